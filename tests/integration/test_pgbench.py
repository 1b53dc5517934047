"""pgbench and psql, unchanged, against orbit-server (issue 4's "tools that must
run"): pgbench -i with its default init steps (drop, create with fillfactor,
TRUNCATE, COPY FROM STDIN, VACUUM ANALYZE, ALTER TABLE ADD PRIMARY KEY), then
short runs in simple, extended and prepared modes and -S, with no failed
transactions and the TPC-B invariant intact afterwards."""

import os
import subprocess

import psycopg2
import pytest

PGBENCH = "/usr/lib/postgresql/15/bin/pgbench"


def pgbench(server, *args, timeout=120):
    out = subprocess.run([PGBENCH, "-h", "127.0.0.1", "-p", str(server.port("pg")), "-U", "postgres", *args,
                          "postgres"], capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout + out.stderr


@pytest.mark.skipif(not os.path.exists(PGBENCH), reason="postgresql-15 (pgbench) missing: run scripts/setup")
def test_pgbench_init_and_every_query_mode(server):
    log = pgbench(server, "-i", "-s", "1")
    assert "done in" in log
    conn = psycopg2.connect(host="127.0.0.1", port=server.port("pg"), user="postgres", dbname="postgres")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SELECT count(*) FROM pgbench_accounts")
    assert cur.fetchone() == (100000,)
    cur.execute("SELECT count(*), sum(bbalance) FROM pgbench_branches")
    assert cur.fetchone() == (1, 0)
    with pytest.raises(psycopg2.Error) as e:  # ADD PRIMARY KEY built the key
        cur.execute("INSERT INTO pgbench_accounts (aid, bid, abalance) VALUES (1, 1, 0)")
    assert e.value.pgcode == "23505"
    log = pgbench(server, "-c", "2", "-t", "10")  # with pgbench's own VACUUM and TRUNCATE of history first
    assert "number of failed transactions: 0" in log, log
    cur.execute("TRUNCATE pgbench_history")
    cur.execute("UPDATE pgbench_accounts SET abalance = 0 WHERE abalance <> 0")
    cur.execute("UPDATE pgbench_tellers SET tbalance = 0")
    cur.execute("UPDATE pgbench_branches SET bbalance = 0")
    for mode in ("simple", "extended", "prepared"):
        log = pgbench(server, "-n", "-c", "4", "-j", "2", "-t", "50", "-M", mode)  # -n: keep history
        assert "number of failed transactions: 0" in log, log
        assert "number of transactions actually processed: 200/200" in log, log
    log = pgbench(server, "-n", "-c", "4", "-j", "2", "-t", "200", "-S")
    assert "number of transactions actually processed: 800/800" in log, log
    # TPC-B: every transaction adds the same delta to one account, teller and
    # branch, and logs it in history, so the sums agree.
    cur.execute("SELECT sum(abalance) FROM pgbench_accounts")
    accounts = cur.fetchone()[0]
    cur.execute("SELECT sum(tbalance) FROM pgbench_tellers")
    tellers = cur.fetchone()[0]
    cur.execute("SELECT sum(bbalance) FROM pgbench_branches")
    branches = cur.fetchone()[0]
    cur.execute("SELECT sum(delta), count(*) FROM pgbench_history")
    history, rows = cur.fetchone()
    assert rows == 600
    assert accounts == tellers == branches == history
