"""Redis features that need several clients: pub/sub fan-out, MULTI/EXEC atomicity,
WATCH races, blocking pops (wake-up, timeout, FIFO, disconnect), and sorted sets
across kill -9."""

import socket
import threading
import time

import pytest
import redis


@pytest.fixture
def r(server):
    return redis.Redis(port=server.port("redis"))


def client(server, **kw):
    return redis.Redis(port=server.port("redis"), **kw)


def test_pubsub_fans_out_to_channel_and_pattern_subscribers(server, r):
    subs = []
    for i in range(4):
        p = client(server).pubsub()
        if i % 2:
            p.psubscribe("news.*")
        else:
            p.subscribe("news.sport")
        assert p.get_message(timeout=2)["type"] in ("subscribe", "psubscribe")
        subs.append(p)
    assert r.publish("news.sport", "goal") == 4
    assert r.publish("news.weather", "rain") == 2
    assert r.publish("nobody", "x") == 0
    got = [p.get_message(timeout=2) for p in subs]
    assert [m["data"] for m in got] == [b"goal"] * 4
    assert {m["type"] for m in got} == {"message", "pmessage"}
    assert [subs[i].get_message(timeout=2)["data"] for i in (1, 3)] == [b"rain", b"rain"]
    assert r.pubsub_numsub("news.sport") == [(b"news.sport", 2)]
    assert r.pubsub_numpat() == 1
    assert r.pubsub_channels() == [b"news.sport"]
    subs[0].unsubscribe("news.sport")
    assert subs[0].get_message(timeout=2)["type"] == "unsubscribe"
    assert r.publish("news.sport", "again") == 3


def test_resp2_subscribed_state_allows_only_pubsub_commands(server):
    with socket.create_connection(("127.0.0.1", server.port("redis"))) as c:
        c.sendall(b"SUBSCRIBE ch\r\n")
        time.sleep(0.1)
        assert c.recv(1000) == b"*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
        c.sendall(b"GET k\r\n")
        time.sleep(0.1)
        assert c.recv(1000).startswith(b"-ERR Can't execute 'get': only (P|S)SUBSCRIBE")
        c.sendall(b"PING\r\n")
        time.sleep(0.1)
        assert c.recv(1000) == b"*2\r\n$4\r\npong\r\n$0\r\n\r\n"


def test_resp3_pushes_messages_and_allows_commands(server, r):
    with socket.create_connection(("127.0.0.1", server.port("redis"))) as c:
        c.sendall(b"HELLO 3\r\nSUBSCRIBE ch\r\n")
        time.sleep(0.2)
        data = c.recv(10000)
        assert b">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n" in data
        assert r.publish("ch", "hi") == 1
        time.sleep(0.1)
        assert c.recv(1000) == b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"
        c.sendall(b"GET nokey\r\n")
        time.sleep(0.1)
        assert c.recv(1000) == b"_\r\n"


def test_multi_exec_is_atomic_for_other_clients(server, r):
    keys = [f"acct{i}" for i in range(8)]  # spread over both shards
    r.mset({k: 100 for k in keys})
    stop = threading.Event()
    bad = []

    def auditor():
        c = client(server)
        while not stop.is_set():
            total = sum(int(v) for v in c.mget(keys))
            if total != 800:
                bad.append(total)

    t = threading.Thread(target=auditor)
    t.start()
    for i in range(200):
        p = r.pipeline(transaction=True)
        p.decrby(keys[i % 8], 7)
        p.incrby(keys[(i + 3) % 8], 7)
        p.execute()
    stop.set()
    t.join()
    assert bad == [], f"saw partial transactions: {bad[:5]}"


def test_watch_aborts_exec_when_another_client_writes(server, r):
    other = client(server)
    r.set("balance", 10)
    with r.pipeline() as p:
        p.watch("balance")
        other.incr("balance")  # the race
        p.multi()
        p.set("balance", 0)
        with pytest.raises(redis.WatchError):
            p.execute()
    assert r.get("balance") == b"11"
    with r.pipeline() as p:  # without interference it commits
        p.watch("balance")
        p.multi()
        p.set("balance", 0)
        assert p.execute() == [True]
    assert r.get("balance") == b"0"


def test_watch_aborts_on_expiry_and_flush(server, r):
    r.set("t", "v", px=100)
    with r.pipeline() as p:
        p.watch("t")
        time.sleep(0.2)
        p.multi()
        p.set("x", 1)
        with pytest.raises(redis.WatchError):
            p.execute()
    r.set("f", 1)
    with r.pipeline() as p:
        p.watch("f")
        client(server).flushdb()
        p.multi()
        p.set("x", 1)
        with pytest.raises(redis.WatchError):
            p.execute()


def test_concurrent_watch_increment_loses_no_update(server):
    def worker():
        c = client(server)
        for _ in range(50):
            while True:
                with c.pipeline() as p:
                    try:
                        p.watch("counter")
                        v = int(p.get("counter") or 0)
                        p.multi()
                        p.set("counter", v + 1)
                        p.execute()
                        break
                    except redis.WatchError:
                        continue

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert int(client(server).get("counter")) == 200


def test_blocking_pop_is_woken_by_another_client_in_fifo_order(server, r):
    results = {}

    def waiter(name):
        results[name] = client(server).blpop(["jobs", f"unused-{name}"], timeout=10)

    threads = []
    for i in range(3):
        t = threading.Thread(target=waiter, args=(f"w{i}",))
        t.start()
        threads.append(t)
        time.sleep(0.15)  # a known arrival order
    r.rpush("jobs", "a", "b", "c")
    for t in threads:
        t.join()
    assert results == {"w0": (b"jobs", b"a"), "w1": (b"jobs", b"b"), "w2": (b"jobs", b"c")}
    assert r.exists("jobs") == 0


def test_blocking_pop_times_out_and_multi_never_blocks(server, r):
    started = time.time()
    assert r.brpop(["empty"], timeout=0.3) is None
    assert 0.25 < time.time() - started < 3
    p = r.pipeline(transaction=True)
    p.blpop(["empty"], timeout=0)
    assert p.execute() == [None]
    with pytest.raises(redis.ResponseError, match="timeout is negative"):
        r.blpop(["empty"], timeout=-1)


def test_blmove_and_bzpopmin_wake_up(server, r):
    out = {}
    t1 = threading.Thread(target=lambda: out.setdefault("mv", client(server).blmove("src", "dst", 5, "LEFT", "RIGHT")))
    t2 = threading.Thread(target=lambda: out.setdefault("z", client(server).bzpopmin(["zq"], timeout=5)))
    t1.start()
    t2.start()
    time.sleep(0.2)
    r.rpush("src", "item")
    r.zadd("zq", {"low": 1, "high": 2})
    t1.join()
    t2.join()
    assert out["mv"] == b"item" and r.lrange("dst", 0, -1) == [b"item"]
    assert out["z"] == (b"zq", b"low", 1.0)


def test_disconnected_blocked_client_does_not_swallow_an_element(server, r):
    c = socket.create_connection(("127.0.0.1", server.port("redis")))
    c.sendall(b"BLPOP q2 0\r\n")
    time.sleep(0.2)
    c.close()  # gone while blocked
    time.sleep(0.1)
    result = {}
    t = threading.Thread(target=lambda: result.setdefault("v", client(server).blpop(["q2"], timeout=5)))
    t.start()
    time.sleep(0.2)
    r.rpush("q2", "precious")
    t.join()
    assert result["v"] == (b"q2", b"precious")


def test_sorted_sets_survive_kill9(make_server):
    s = make_server().start()
    c = redis.Redis(port=s.port("redis"))
    c.zadd("board", {"ann": 3.5, "bob": -1, "cid": float("inf")})
    c.zincrby("board", 2, "bob")
    c.zrem("board", "cid")
    s.kill()
    s.start()
    c = redis.Redis(port=s.port("redis"))
    assert c.zrange("board", 0, -1, withscores=True) == [(b"bob", 1.0), (b"ann", 3.5)]
    assert c.zrank("board", "ann") == 1


def test_replies_before_a_blocking_command_are_sent_first(server, r):
    with socket.create_connection(("127.0.0.1", server.port("redis"))) as c:
        c.settimeout(5)
        c.sendall(b"SET before 1\r\nBLPOP later 0\r\n")
        assert c.recv(100) == b"+OK\r\n"  # not held back by the blocked BLPOP
        r.rpush("later", "x")
        assert c.recv(100) == b"*2\r\n$5\r\nlater\r\n$1\r\nx\r\n"


def test_hscan_sscan_zscan_visit_every_element_once(server, r):
    r.hset("h", mapping={f"f{i}": i for i in range(300)})
    r.sadd("s", *[f"m{i}" for i in range(300)])
    r.zadd("z", {f"z{i}": i for i in range(300)})
    assert dict(r.hscan_iter("h", count=17)) == {f"f{i}".encode(): str(i).encode() for i in range(300)}
    members = list(r.sscan_iter("s", count=23))
    assert len(members) == 300 and set(members) == {f"m{i}".encode() for i in range(300)}
    assert dict(r.zscan_iter("z", count=31)) == {f"z{i}".encode(): float(i) for i in range(300)}
    assert set(r.sscan_iter("s", match="m1?")) == {f"m1{i}".encode() for i in range(10)}
    assert r.hscan("nokey", 0) == (0, {})
    r.set("str", "v")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        r.sscan("str", 0)
