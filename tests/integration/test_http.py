"""The HTTP surface: /health, /metrics (validated by promtool), errors, limits."""

import re
import shutil
import socket
import subprocess

import pytest
import requests


def raw_request(server, data, read_timeout=10):
    with socket.create_connection(("127.0.0.1", server.port("http"))) as c:
        c.settimeout(read_timeout)
        c.sendall(data)
        out = b""
        try:
            while chunk := c.recv(65536):
                out += chunk
        except (ConnectionResetError, socket.timeout):
            pass
        return out


def test_health_reports_status_version_uptime_and_storage(server):
    r = requests.get(server.url("/health"))
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json"
    body = r.json()
    assert body["status"] == "ok"
    assert body["version"]
    assert body["uptime_seconds"] >= 0
    assert body["storage"]["state"] == "ok"


def test_metrics_pass_promtool_and_cover_process_connections_storage(server):
    requests.get(server.url("/health"))
    r = requests.get(server.url("/metrics"))
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = r.text
    for name in ["process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
                 "orbit_uptime_seconds", 'orbit_connections{protocol="http"}',
                 'orbit_http_requests_total{method="GET",code="200"}', "orbit_http_request_duration_seconds_bucket",
                 'orbit_storage_sst_bytes{cf="kv"}', 'orbit_storage_memtable_bytes{cf="rows"}',
                 "orbit_storage_running_compactions", "orbit_storage_write_stopped", "orbit_storage_up 1"]:
        assert name in text, name
    promtool = shutil.which("promtool")
    assert promtool, "promtool missing: scripts/setup installs Debian's prometheus"
    check = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_unknown_path_is_404_problem_json(server):
    r = requests.get(server.url("/no/such/thing"))
    assert r.status_code == 404
    assert r.headers["Content-Type"] == "application/problem+json"  # RFC 9457
    body = r.json()
    assert body["status"] == 404 and body["title"] == "Not Found" and "/no/such/thing" in body["detail"]


def test_wrong_method_is_405_with_allow(server):
    r = requests.post(server.url("/health"))
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET"


def test_oversized_body_is_413_and_server_stays_up(server):
    out = raw_request(server, b"POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n" + b"x" * 1000)
    assert out.startswith(b"HTTP/1.1 413")
    assert requests.get(server.url("/health")).status_code == 200


def test_oversized_header_is_431(server):
    out = raw_request(server, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 431")


@pytest.mark.parametrize("garbage", [b"\x00\x01\x02\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                                     b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"])
def test_malformed_requests_get_400_and_server_stays_up(server, garbage):
    out = raw_request(server, garbage)
    assert out.startswith(b"HTTP/1.1 400"), out[:100]
    assert requests.get(server.url("/health")).status_code == 200


def test_abrupt_disconnect_mid_request(server):
    for _ in range(20):
        c = socket.create_connection(("127.0.0.1", server.port("http")))
        c.sendall(b"POST /health HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc")
        c.close()
    assert requests.get(server.url("/health")).status_code == 200


def test_pipelined_requests_answered_in_order(server):
    out = raw_request(server, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n" * 3 +
                      b"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    statuses = re.findall(rb"HTTP/1\.1 (\d{3}) ", out)
    assert statuses == [b"200", b"200", b"200", b"404"]


def test_head_has_no_body(server):
    r = requests.head(server.url("/health"))
    assert r.status_code == 200
    assert r.content == b""
    assert int(r.headers["Content-Length"]) > 0
