"""orbit-server process behaviour: banner, errors at start, signals, config sources,
logging, connection limits, TLS. Everything goes through the real binary."""

import json
import os
import signal
import socket
import subprocess
import time

import pytest
import requests

from orbit_harness import OrbitServer


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_banner_names_version_data_dir_and_listeners(server):
    banner = server.stdout()
    assert banner.startswith("orbit-server ")
    assert f"data dir: {server.data_dir}" in banner
    assert server.port("http") > 0
    assert server.port("redis") > 0
    assert server.port("pg") > 0
    # Protocols that are not built yet are absent from the banner.
    assert "mysql listening" not in banner and "cql listening" not in banner


def test_taken_port_is_a_one_line_error_and_exit_1(make_server):
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        s = make_server(args=["--http-port", str(port)])
        s.start(expect_ready=False)
        assert s.wait_exit() == 1
        err = s.stderr().strip()
        assert len(err.splitlines()) == 1, err
        assert f"127.0.0.1:{port}" in err and "http" in err


def test_locked_data_dir_is_a_one_line_error_and_exit_1(make_server):
    first = make_server().start()
    second = make_server(data_dir=first.data_dir)
    second.start(expect_ready=False)
    assert second.wait_exit() == 1
    err = second.stderr().strip()
    assert len(err.splitlines()) == 1, err
    assert "locked by another process" in err and str(first.proc.pid) in err
    # The first server is unaffected.
    assert requests.get(first.url("/health")).status_code == 200


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_gracefully_and_data_dir_is_reusable(make_server, sig):
    s = make_server().start()
    idle = socket.create_connection(("127.0.0.1", s.port("http")))
    assert s.stop(sig) == 0
    assert "shutdown complete" in s.stderr()
    # The idle connection was closed: a clean EOF, or a reset when the kernel had
    # queued it but the server had not accepted it yet when the listener closed.
    try:
        assert idle.recv(1) == b""
    except ConnectionResetError:
        pass
    idle.close()
    s.start()
    assert requests.get(s.url("/health")).json()["status"] == "ok"


def test_keep_alive_request_in_flight_gets_its_response_on_shutdown(make_server):
    s = make_server().start()
    with socket.create_connection(("127.0.0.1", s.port("http"))) as c:
        # Pipeline two requests, then stop: both are answered before the close.
        c.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.2)
        assert s.stop() == 0
        data = b""
        while chunk := c.recv(65536):
            data += chunk
    assert data.count(b"HTTP/1.1 200 OK") == 2


def test_restart_after_kill9(make_server):
    s = make_server().start()
    assert s.kill() == -signal.SIGKILL
    s.start()
    assert requests.get(s.url("/health")).status_code == 200


def test_config_precedence_file_env_flags(make_server, tmp_path):
    file_port, env_port, flag_port = free_port(), free_port(), free_port()
    cfg = tmp_path / "orbit.toml"
    cfg.write_text(f"[http]\nport = {file_port}\n[log]\nformat = \"json\"\n")

    def started(env, extra):
        s = make_server(env=env)
        # The harness passes --http-port 0; drop it so file and env can apply.
        cmd = [a for a in s.command()]
        i = cmd.index("--http-port")
        del cmd[i:i + 2]
        s.command = lambda: cmd + extra
        return s.start()

    a = started({"ORBIT_CONFIG": str(cfg)}, [])
    assert a.port("http") == file_port
    a.stop()
    b = started({"ORBIT_CONFIG": str(cfg), "ORBIT_HTTP_PORT": str(env_port)}, [])
    assert b.port("http") == env_port
    b.stop()
    c = started({"ORBIT_HTTP_PORT": str(env_port)}, ["--config", str(cfg), "--http-port", str(flag_port)])
    assert c.port("http") == flag_port
    # log.format = "json" came from the file: every log line is a JSON object.
    c.stop()
    lines = [l for l in c.stderr().splitlines() if l.strip()]
    assert lines, c.logs()
    for line in lines:
        record = json.loads(line)
        assert {"ts", "level", "msg"} <= record.keys()


def test_help_and_version():
    from orbit_harness import binary_path
    out = subprocess.run([binary_path(), "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    for flag in ["--data-dir", "--bind", "--threads", "--http-port", "--redis-port", "--pg-enabled",
                 "--log-level", "--log-format", "--durability"]:
        assert flag in out.stdout
    ver = subprocess.run([binary_path(), "--version"], capture_output=True, text=True)
    assert ver.returncode == 0 and ver.stdout.startswith("orbit-server ")
    bad = subprocess.run([binary_path(), "--log-format", "xml"], capture_output=True, text=True)
    assert bad.returncode == 1 and "log-format" in bad.stderr


def test_max_connections_rejects_extra_clients(make_server):
    s = make_server(args=["--max-connections", "2"]).start()
    a = socket.create_connection(("127.0.0.1", s.port("http")))
    b = socket.create_connection(("127.0.0.1", s.port("http")))
    time.sleep(0.2)
    c = socket.create_connection(("127.0.0.1", s.port("http")))
    c.settimeout(5)
    assert c.recv(1) == b""  # closed at accept
    for conn in (a, b):
        conn.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert conn.recv(100).startswith(b"HTTP/1.1 200")
    metrics = None
    a.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.2)
    metrics = a.recv(1 << 20).decode()
    assert 'orbit_connections_rejected_total{protocol="http"} 1' in metrics
    for conn in (a, b, c):
        conn.close()


def test_idle_timeout_disconnects_idle_clients(make_server):
    s = make_server(args=["--idle-timeout", "1"]).start()
    c = socket.create_connection(("127.0.0.1", s.port("http")))
    c.settimeout(10)
    started = time.time()
    assert c.recv(1) == b""
    assert 0.5 < time.time() - started < 8


def test_output_buffer_limit_closes_instead_of_growing(make_server):
    s = make_server(args=["--max-output-buffer", "1000"]).start()
    with socket.create_connection(("127.0.0.1", s.port("http"))) as c:
        c.settimeout(10)
        c.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")  # response > 1000 bytes
        assert c.recv(65536) == b""
    assert requests.get(s.url("/health")).status_code == 200  # small replies still fit


def test_tls_on_http(make_server, tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    s = make_server(args=["--http-tls", "true", "--tls-cert", str(cert), "--tls-key", str(key)])
    s.start(expect_ready=False)
    deadline = time.time() + 20
    while "ready" not in s.stdout():
        assert s.proc.poll() is None, s.logs()
        assert time.time() < deadline
        time.sleep(0.05)
    port = int(s.stdout().split("http listening on 127.0.0.1:")[1].split()[0])
    assert "(tls)" in s.stdout()
    r = requests.get(f"https://127.0.0.1:{port}/health", verify=str(cert))
    assert r.status_code == 200 and r.json()["status"] == "ok"
    # A plaintext client gets no HTTP answer, and the server stays up.
    with socket.create_connection(("127.0.0.1", port)) as c:
        c.settimeout(10)
        c.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert not c.recv(100).startswith(b"HTTP/1.1 200")
    assert requests.get(f"https://127.0.0.1:{port}/health", verify=str(cert)).status_code == 200


def test_configuration_doc_lists_every_flag():
    import re
    from orbit_harness import ROOT, binary_path
    out = subprocess.run([binary_path(), "--help"], capture_output=True, text=True).stdout
    doc = open(os.path.join(ROOT, "docs", "configuration.md")).read()
    flags = set(re.findall(r"(--[a-z][a-z0-9-]+)", out)) - {"--help", "--version"}
    protocols = {"redis", "pg", "mysql", "cql", "bolt", "aql", "grpc"}
    for flag in sorted(flags):
        name = flag[2:]
        proto, _, rest = name.partition("-")
        if proto in protocols and rest in ("port", "enabled"):
            assert f"`--<proto>-{rest}`" in doc and f"`{proto}`" in doc, flag
        else:
            assert f"`{flag}`" in doc, f"{flag} missing from docs/configuration.md"


def test_disabled_protocol_has_no_listener(make_server):
    s = make_server(args=["--redis-enabled", "false"]).start()
    assert "redis" not in s.ports
    assert "redis listening" not in s.stdout()
