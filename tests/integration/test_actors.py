"""Virtual actors through orbit-server: REST (requests), gRPC (grpcio, messages
compiled from proto/ by protoc at test time), health checks, and the bank
example's balances across kill -9."""

import importlib.util
import json
import os
import subprocess
import tempfile
import threading

import grpc
import pytest
import requests

from orbit_harness import ROOT

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(scope="module")
def pb():
    """Python message classes for orbit/v1/actors.proto and grpc/health/v1/health.proto."""
    out = tempfile.mkdtemp(prefix="orbit-pb-")
    subprocess.run(["protoc", f"--proto_path={ROOT}/proto", f"--python_out={out}", "orbit/v1/actors.proto"], check=True)
    subprocess.run(["protoc", f"--proto_path={HERE}/proto", f"--python_out={out}", "grpc/health/v1/health.proto"],
                   check=True)

    def load(name, relative):  # by path: the package "grpc" is grpcio's own
        spec = importlib.util.spec_from_file_location(name, os.path.join(out, relative))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load("orbit_actors_pb2", "orbit/v1/actors_pb2.py"), load("orbit_health_pb2", "grpc/health/v1/health_pb2.py")


def call(server, type_, key, method, body=None, **kw):
    data = None if body is None else json.dumps(body)
    return requests.post(server.url(f"/api/v1/actors/{type_}/{key}/{method}"), data=data, timeout=30, **kw)


# ---------------- REST ----------------

def test_rest_invoke_by_object_array_and_bare_value(server):
    r = call(server, "Greeter", "bob", "Greet", {"name": "Ann"})
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == "Hello, Ann! (greeter bob, greeting #1)"
    assert call(server, "Greeter", "bob", "Greet", ["Bo"]).json() == "Hello, Bo! (greeter bob, greeting #2)"
    assert call(server, "Greeter", "bob", "Greet", "Cy").json() == "Hello, Cy! (greeter bob, greeting #3)"
    # A key with characters that need escaping in a path.
    r = call(server, "Greeter", "a%2Fb%20c", "Greet", "x")
    assert r.json() == "Hello, x! (greeter a/b c, greeting #1)"


def test_rest_errors_are_problem_json(server):
    cases = [
        (call(server, "Nope", "k", "Greet", "x"), 404, "unknown actor type"),
        (call(server, "Greeter", "k", "Nope", "x"), 404, "has no method"),
        (call(server, "Greeter", "k", "Greet", [1]), 400, "bad arguments"),
        (call(server, "Greeter", "k", "Greet", {"nam": "x"}), 400, "expected {\"name\": ...}"),
        (call(server, "Account", "k", "Transfer", {"to": "x", "amount": 1, "memo": 2}), 400, "unknown argument"),
        (call(server, "Account", "k", "Transfer", {"to": "x"}), 400, "missing argument"),
        (requests.post(server.url("/api/v1/actors/Greeter/k/Greet"), data="{oops", timeout=10), 400, "not valid JSON"),
        (call(server, "Account", "poor", "Withdraw", 5), 422, "insufficient funds"),
        (call(server, "Account", "poor", "Deposit", -5), 422, "must be positive"),
        (call(server, "Greeter", "k", "Greet", "x", params={"timeout_ms": "abc"}), 400, "timeout_ms"),
    ]
    for r, status, text in cases:
        assert r.status_code == status, (r.status_code, r.text)
        assert r.headers["Content-Type"] == "application/problem+json"
        body = r.json()
        assert body["status"] == status and text in body["detail"], body
        assert body["title"] and body["type"] == "about:blank"
    # The server and the actors are still fine.
    assert call(server, "Account", "poor", "Deposit", 5).json() == 5


def test_rest_body_limit(make_server):
    s = make_server(args=["--http-max-body", "1000"]).start()
    r = call(s, "Greeter", "k", "Greet", "x" * 5000)
    assert r.status_code == 413
    assert call(s, "Greeter", "k", "Greet", "small").status_code == 200


def test_rest_list_state_and_deactivate(server):
    assert call(server, "Account", "alice", "Deposit", {"amount": 100}).json() == 100
    assert call(server, "Account", "alice", "Transfer", {"to": "bob", "amount": 30}).json() == 70
    r = requests.get(server.url("/api/v1/actors/Account/bob"), timeout=10)
    assert r.status_code == 200
    bob = r.json()
    assert bob["active"] is True and bob["state"]["balance"] == 30 and bob["state"]["applied"] == ["alice:0"]
    assert bob["lease_expires_unix_ms"] > 0
    types = {t["type"]: t for t in requests.get(server.url("/api/v1/actors"), timeout=10).json()["types"]}
    assert types["Account"]["active"] == 2 and types["Account"]["persistent"] is True
    assert {m["name"] for m in types["Account"]["methods"]} >= {"Deposit", "Withdraw", "Balance", "Transfer", "Credit"}
    r = requests.delete(server.url("/api/v1/actors/Account/bob"), timeout=10)
    assert r.json() == {"deactivated": True}
    assert requests.delete(server.url("/api/v1/actors/Account/bob"), timeout=10).json() == {"deactivated": False}
    types = {t["type"]: t for t in requests.get(server.url("/api/v1/actors"), timeout=10).json()["types"]}
    assert types["Account"]["active"] == 1
    # Reactivated with its saved state.
    assert call(server, "Account", "bob", "Balance").json() == 30
    # A type without exposed state shows the activation only.
    call(server, "Greeter", "g", "Greet", "x")
    g = requests.get(server.url("/api/v1/actors/Greeter/g"), timeout=10).json()
    assert g["active"] is True and "state" not in g


def test_cors(make_server, server):
    assert "Access-Control-Allow-Origin" not in call(server, "Greeter", "k", "Greet", "x").headers
    s = make_server(args=["--http-cors-origin", "https://app.example"]).start()
    r = call(s, "Greeter", "k", "Greet", "x")
    assert r.headers["Access-Control-Allow-Origin"] == "https://app.example"
    pre = requests.options(s.url("/api/v1/actors/Greeter/k/Greet"), timeout=10,
                           headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 204
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]


def test_concurrent_rest_calls_single_activation(server):
    """Many clients at once on one account: every deposit counted once."""
    errors = []

    def worker():
        with requests.Session() as sess:
            for _ in range(25):
                r = sess.post(server.url("/api/v1/actors/Account/shared/Deposit"), data="1", timeout=30)
                if r.status_code != 200:
                    errors.append(r.text)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert call(server, "Account", "shared", "Balance").json() == 200


def test_bank_balances_survive_kill9(make_server):
    s = make_server().start()
    accounts = [f"acct{i}" for i in range(5)]
    for a in accounts:
        assert call(s, "Account", a, "Deposit", 1000).status_code == 200
    moved = 0
    for i in range(40):
        src, dst = accounts[i % 5], accounts[(i * 3 + 1) % 5]
        if src == dst:
            continue
        r = call(s, "Account", src, "Transfer", {"to": dst, "amount": 7})
        assert r.status_code == 200, r.text
        moved += 1
    before = {a: call(s, "Account", a, "Balance").json() for a in accounts}
    assert sum(before.values()) == 5000
    s.kill()  # no shutdown: only what each acknowledged call saved
    s.start()
    after = {a: call(s, "Account", a, "Balance").json() for a in accounts}
    assert after == before
    assert moved > 0


# ---------------- gRPC ----------------

def channel(server):
    return grpc.insecure_channel(f"127.0.0.1:{server.port('grpc')}")


def unary(ch, pb_module, method, request_cls, response_cls, service="orbit.v1.ActorService"):
    return ch.unary_unary(f"/{service}/{method}", request_serializer=request_cls.SerializeToString,
                          response_deserializer=response_cls.FromString)


def test_grpc_invoke_json_and_msgpack(server, pb):
    actors, _ = pb
    with channel(server) as ch:
        invoke = unary(ch, actors, "Invoke", actors.InvokeRequest, actors.InvokeResponse)
        r = invoke(actors.InvokeRequest(id=7, type="Greeter", key="g", method="Greet", json='{"name":"gRPC"}'), timeout=10)
        assert r.id == 7 and json.loads(r.json) == "Hello, gRPC! (greeter g, greeting #1)"
        # MessagePack in, MessagePack out: fixarray(1) + fixstr "mp".
        r = invoke(actors.InvokeRequest(type="Greeter", key="g", method="Greet", msgpack=b"\x91\xa2mp"), timeout=10)
        assert r.WhichOneof("result") == "msgpack"
        assert r.msgpack[:1] == b"\xd9" or r.msgpack[0] & 0xE0 == 0xA0  # a MessagePack string
        assert b"Hello, mp!" in r.msgpack


def test_grpc_status_codes(server, pb):
    actors, _ = pb
    with channel(server) as ch:
        invoke = unary(ch, actors, "Invoke", actors.InvokeRequest, actors.InvokeResponse)
        cases = [
            (dict(type="Nope", key="k", method="Greet", json='"x"'), grpc.StatusCode.NOT_FOUND),
            (dict(type="Greeter", key="k", method="Nope", json='"x"'), grpc.StatusCode.NOT_FOUND),
            (dict(type="Greeter", key="k", method="Greet", json='[1,2]'), grpc.StatusCode.INVALID_ARGUMENT),
            (dict(type="Greeter", key="k", method="Greet", json='{bad'), grpc.StatusCode.INVALID_ARGUMENT),
            (dict(type="Greeter", key="k", method="Greet", msgpack=b"\xc1"), grpc.StatusCode.INVALID_ARGUMENT),
            (dict(type="Account", key="k", method="Withdraw", json='5'), grpc.StatusCode.UNKNOWN),
        ]
        for fields, code in cases:
            with pytest.raises(grpc.RpcError) as e:
                invoke(actors.InvokeRequest(**fields), timeout=10)
            assert e.value.code() == code, (fields, e.value)
        # Still serving.
        assert invoke(actors.InvokeRequest(type="Account", key="k", method="Deposit", json="5"), timeout=10).json == "5"


def test_grpc_stream_invocations_in_order(server, pb):
    actors, _ = pb
    with channel(server) as ch:
        stream = ch.stream_stream("/orbit.v1.ActorService/InvokeStream",
                                  request_serializer=actors.InvokeRequest.SerializeToString,
                                  response_deserializer=actors.InvokeResponse.FromString)
        reqs = [actors.InvokeRequest(id=i, type="Account", key="streamed", method="Deposit", json=str(i + 1))
                for i in range(50)]
        reqs.append(actors.InvokeRequest(id=999, type="Nope", key="x", method="M"))
        responses = list(stream(iter(reqs), timeout=30))
        by_id = {r.id: r for r in responses}
        assert len(by_id) == 51
        assert by_id[999].WhichOneof("result") == "error"
        assert by_id[999].error.code == grpc.StatusCode.NOT_FOUND.value[0]
        # Deposits from one stream run in the order sent: balances are the prefix sums.
        for i in range(50):
            assert json.loads(by_id[i].json) == (i + 1) * (i + 2) // 2


def test_grpc_connection_stream_envelopes(server, pb):
    actors, _ = pb
    with channel(server) as ch:
        stream = ch.stream_stream("/orbit.v1.ConnectionService/OpenStream",
                                  request_serializer=actors.MessageEnvelope.SerializeToString,
                                  response_deserializer=actors.MessageEnvelope.FromString)
        req = actors.MessageEnvelope(id=1, source="test-client", target=actors.ActorTarget(type="Greeter", key="env"),
                                     invocation_request=actors.InvocationRequest(method="Greet", json='"envelope"'))
        bad = actors.MessageEnvelope(id=2, source="test-client", target=actors.ActorTarget(type="Greeter", key="env"),
                                     invocation_response=actors.InvocationResponse(json="1"))
        out = {m.id: m for m in stream(iter([req, bad]), timeout=30)}
        assert json.loads(out[1].invocation_response.json) == "Hello, envelope! (greeter env, greeting #1)"
        assert out[1].target.type == "Greeter" and out[1].source
        assert out[2].WhichOneof("content") == "error"
        assert out[2].error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]


def test_grpc_deadline_exceeded(server, pb):
    actors, _ = pb
    with channel(server) as ch:
        invoke = unary(ch, actors, "Invoke", actors.InvokeRequest, actors.InvokeResponse)
        with pytest.raises(grpc.RpcError) as e:
            invoke(actors.InvokeRequest(type="Greeter", key="k", method="Greet", json='"x"'), timeout=0.000001)
        assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED


def test_grpc_health_check_and_watch(make_server, pb):
    _, health = pb
    s = make_server().start()
    with channel(s) as ch:
        check = ch.unary_unary("/grpc.health.v1.Health/Check",
                               request_serializer=health.HealthCheckRequest.SerializeToString,
                               response_deserializer=health.HealthCheckResponse.FromString)
        SERVING = health.HealthCheckResponse.SERVING
        assert check(health.HealthCheckRequest(), timeout=10).status == SERVING
        assert check(health.HealthCheckRequest(service="orbit.v1.ActorService"), timeout=10).status == SERVING
        with pytest.raises(grpc.RpcError) as e:
            check(health.HealthCheckRequest(service="no.such.Service"), timeout=10)
        assert e.value.code() == grpc.StatusCode.NOT_FOUND
        watch = ch.unary_stream("/grpc.health.v1.Health/Watch",
                                request_serializer=health.HealthCheckRequest.SerializeToString,
                                response_deserializer=health.HealthCheckResponse.FromString)
        updates = watch(health.HealthCheckRequest(service="orbit.v1.ActorService"), timeout=30)
        assert next(updates).status == SERVING
        s.stop()  # graceful shutdown: watchers hear NOT_SERVING (or the stream ends)
        try:
            nxt = next(updates)
            assert nxt.status == health.HealthCheckResponse.NOT_SERVING
        except grpc.RpcError:
            pass


def test_grpc_reflection_lists_services(server):
    # The reflection service answers (v1alpha, as Debian's grpc 1.51 provides).
    with channel(server) as ch:
        rpc = ch.stream_stream("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                               request_serializer=lambda b: b, response_deserializer=lambda b: b)
        # ServerReflectionRequest{list_services: ""} = field 7, empty string.
        replies = list(rpc(iter([b"\x3a\x00"]), timeout=10))
        assert replies and b"orbit.v1.ActorService" in replies[0]


# ---------------- OpenAPI ----------------

def test_openapi_document_validates(server):
    doc = requests.get(server.url("/openapi.json"), timeout=10).json()
    assert doc["openapi"] == "3.1.0"
    assert "/api/v1/actors/Account/{key}/Transfer" in doc["paths"]
    transfer = doc["paths"]["/api/v1/actors/Account/{key}/Transfer"]["post"]
    body = transfer["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["amount"]["type"] == "integer" and body["required"] == ["to", "amount"]
    path = os.path.join(tempfile.mkdtemp(), "openapi.json")
    with open(path, "w") as f:
        json.dump(doc, f)
    r = subprocess.run(["node", os.path.join(ROOT, "tests", "node", "validate_openapi.js"), path],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


# ---------------- WebSocket events ----------------

def test_websocket_events(server):
    import asyncio
    import websockets

    async def scenario():
        uri = f"ws://127.0.0.1:{server.port('http')}/api/v1/ws"
        async with websockets.connect(uri) as ws:
            await ws.send(json.dumps({"op": "subscribe", "type": "Account", "key": "evt"}))
            assert json.loads(await ws.recv()) == {"op": "subscribed", "type": "Account", "key": "evt"}
            await ws.send(json.dumps({"op": "subscribe", "type": "Nope"}))
            assert "unknown actor type" in json.loads(await ws.recv())["error"]
            await ws.send("not json")
            assert "error" in json.loads(await ws.recv())
            loop = asyncio.get_running_loop()
            # Events for other actors are filtered out; this one activates, saves, deactivates.
            await loop.run_in_executor(None, lambda: call(server, "Account", "other", "Deposit", 1))
            await loop.run_in_executor(None, lambda: call(server, "Account", "evt", "Deposit", 5))
            await loop.run_in_executor(None, lambda: requests.delete(server.url("/api/v1/actors/Account/evt"), timeout=10))
            events = []
            while len(events) < 4:
                events.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
            assert [e["event"] for e in events] == ["activated", "state_saved", "state_saved", "deactivated"], events
            assert all(e["type"] == "Account" and e["key"] == "evt" and e["unix_ms"] > 0 for e in events)
            await ws.send(json.dumps({"op": "unsubscribe"}))
            assert json.loads(await ws.recv()) == {"op": "unsubscribed"}
            # A ping gets its pong (the client library checks it).
            pong = await ws.ping()
            await asyncio.wait_for(pong, 10)

    asyncio.run(scenario())
    # A plain GET to the WebSocket path is told to upgrade.
    r = requests.get(server.url("/api/v1/ws"), timeout=10)
    assert r.status_code == 426 and r.headers["Upgrade"] == "websocket"


def test_websocket_bad_frames_close_only_that_connection(server):
    import socket
    import base64
    with socket.create_connection(("127.0.0.1", server.port("http")), timeout=10) as s:
        key = base64.b64encode(os.urandom(16)).decode()
        s.sendall((f"GET /api/v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = s.recv(4096)
        assert head.startswith(b"HTTP/1.1 101")
        s.sendall(b"\x81\x05hello")  # unmasked client frame: protocol error
        data = s.recv(4096)
        assert data[:1] == b"\x88" and data[2:4] == (1002).to_bytes(2, "big")
    assert call(server, "Greeter", "k", "Greet", "still up").status_code == 200
