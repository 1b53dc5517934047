"""Differential test: every tests/redis/*.redis script gives byte-identical redis-cli
output on Debian's redis-server (the reference) and on orbit-server."""

import glob
import os
import shutil
import subprocess
import tempfile
import time

import pytest

from orbit_harness import ROOT

SCRIPTS = sorted(glob.glob(os.path.join(ROOT, "tests", "redis", "*.redis")))


@pytest.fixture(scope="module")
def reference():
    server = shutil.which("redis-server")
    assert server, "redis-server missing: scripts/setup installs Debian's redis-server"
    workdir = tempfile.mkdtemp(prefix="orbit-redis-ref-")
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", workdir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).stdout.strip() == b"PONG":
            break
        time.sleep(0.05)
    yield port
    proc.terminate()
    proc.wait()
    shutil.rmtree(workdir, ignore_errors=True)


def run_script(port, path):
    subprocess.run(["redis-cli", "-p", str(port), "flushall"], capture_output=True, check=True)
    with open(path, "rb") as f:
        return subprocess.run(["redis-cli", "-p", str(port)], stdin=f, capture_output=True, timeout=60).stdout


@pytest.mark.parametrize("script", SCRIPTS, ids=[os.path.basename(s) for s in SCRIPTS])
def test_same_output_as_redis(server, reference, script):
    expected = run_script(reference, script)
    actual = run_script(server.port("redis"), script)
    if actual != expected:
        exp_lines, act_lines = expected.decode(errors="replace").splitlines(), actual.decode(errors="replace").splitlines()
        cmds = open(script).read().splitlines()
        for i, (e, a) in enumerate(zip(exp_lines, act_lines)):
            if e != a:
                pytest.fail(f"first difference at output line {i + 1}: redis={e!r} orbit={a!r}\n"
                            f"(script has {len(cmds)} commands)")
        pytest.fail(f"outputs differ in length: redis {len(exp_lines)} lines, orbit {len(act_lines)} lines")
