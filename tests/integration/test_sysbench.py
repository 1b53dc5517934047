"""sysbench (Debian's 1.0.20, --db-driver=pgsql) unchanged against orbit-server:
prepare (SERIAL primary key, bulk INSERTs, CREATE INDEX), short runs of
oltp_point_select and oltp_read_write (prepared statements with int8
parameters, BETWEEN ranges, SUM, ORDER BY, DISTINCT, UPDATE, DELETE, INSERT in
BEGIN/COMMIT) and cleanup."""

import re
import shutil
import subprocess

import pytest

SYSBENCH = shutil.which("sysbench")


def sysbench(server, *args):
    cmd = [SYSBENCH, "--db-driver=pgsql", "--pgsql-host=127.0.0.1", "--pgsql-port=%d" % server.port("pg"),
           "--pgsql-user=postgres", "--pgsql-db=postgres", "--tables=2", "--table-size=2000", *args]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


@pytest.mark.skipif(SYSBENCH is None, reason="sysbench missing: run scripts/setup")
def test_sysbench_oltp_prepare_run_cleanup(server):
    log = sysbench(server, "oltp_read_write", "prepare")
    assert "Creating a secondary index on 'sbtest2'" in log
    for workload in ("oltp_point_select", "oltp_read_write"):
        log = sysbench(server, "--threads=2", "--time=2", workload, "run")
        done = int(re.search(r"transactions:\s+(\d+)", log).group(1))
        assert done > 0, log
        assert "FATAL" not in log
    sysbench(server, "oltp_read_write", "cleanup")
