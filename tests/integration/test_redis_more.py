"""Redis commands whose behaviour a deterministic command script cannot check: random
replies (ZRANDMEMBER, HRANDFIELD, SRANDMEMBER), per-connection reply switches (CLIENT
REPLY), several clients (CLIENT PAUSE, BLMPOP, BZMPOP, cross-shard stores racing
MULTI/EXEC) and kill -9 restarts (GEO, HyperLogLog, bitmaps, SORT STORE, SWAPDB, MOVE,
COPY, Z*STORE, LMPOP/ZMPOP).

Expected values are Redis 7.0's answers. Timing assertions only have lower bounds
(generous ones): the tests run on shared, noisy machines.
"""

import random
import signal
import socket
import threading
import time

import pytest
import redis

from test_redis import Raw, keys_on, shard_of


@pytest.fixture
def r(server):
    c = redis.Redis(port=server.port("redis"), socket_timeout=20)
    yield c
    c.close()


def client(server, db=0):
    return redis.Redis(port=server.port("redis"), db=db, socket_timeout=20)


def pairs(flat):
    """[a, 1, b, 2] -> [(a, 1), (b, 2)]: RESP2 WITHSCORES/WITHVALUES replies."""
    assert len(flat) % 2 == 0, flat
    return list(zip(flat[0::2], flat[1::2]))


def wait_blocked(c, n, timeout=5):
    """Waits until the server reports `n` clients blocked in a blocking command."""
    deadline = time.time() + timeout
    while c.info("clients")["blocked_clients"] != n:
        assert time.time() < deadline, f"never saw {n} blocked clients"
        time.sleep(0.01)


class Background:
    """Runs a call (typically a blocking command) in a thread of its own."""

    def __init__(self, fn):
        self.value = self.error = None
        self.thread = threading.Thread(target=self._run, args=(fn,), daemon=True)
        self.thread.start()

    def _run(self, fn):
        try:
            self.value = fn()
        except Exception as e:  # noqa: BLE001 (re-raised by result())
            self.error = e

    def done(self):
        return not self.thread.is_alive()

    def result(self, timeout=10):
        self.thread.join(timeout)
        assert self.done(), f"still running after {timeout}s"
        if self.error is not None:
            raise self.error
        return self.value


def blocking(server, *command, db=0):
    return Background(lambda: client(server, db=db).execute_command(*command))


def restarted(s):
    assert s.kill() == -signal.SIGKILL
    s.start()
    return redis.Redis(port=s.port("redis"), socket_timeout=20)


# ---------------------------------------------------------------------------
# Random members


def test_zrandmember_counts(r):
    scores = {f"m{i}".encode(): i * 1.5 for i in range(20)}
    r.zadd("z", scores)
    for count in (1, 2, 7, 19, 20, 21, 1000):
        got = r.zrandmember("z", count)
        assert len(got) == min(count, 20), count
        assert len(set(got)) == len(got), f"positive count {count} repeated a member: {got}"
        assert set(got) <= set(scores)
    assert set(r.zrandmember("z", 20)) == set(scores)
    for count in (1, 5, 20, 50):
        got = r.zrandmember("z", -count)
        assert len(got) == count and set(got) <= set(scores)
    assert len(set(r.zrandmember("z", -50))) < 50  # 50 picks from 20 members must repeat
    # Random, not a fixed prefix: a few calls see more than `count` distinct members.
    seen = set()
    for _ in range(30):
        seen |= set(r.zrandmember("z", 3))
    assert len(seen) > 6
    assert {r.zrandmember("z") for _ in range(200)} == set(scores)
    assert r.zrandmember("z", 0) == []
    assert r.zrandmember("nokey") is None and r.zrandmember("nokey", 5) == []
    assert r.zrandmember("nokey", -5) == []


def test_zrandmember_withscores_match_the_real_scores(r):
    scores = {f"m{i}".encode(): i / 4 - 3 for i in range(10)}
    r.zadd("z", scores)
    for count in (1, 4, 10, 15, -1, -4, -25):
        got = pairs(r.execute_command("ZRANDMEMBER", "z", count, "WITHSCORES"))
        assert len(got) == (min(count, 10) if count > 0 else -count), count
        if count > 0:
            assert len({m for m, _ in got}) == len(got)
        for member, score in got:
            assert float(score) == scores[member], member


def test_hrandfield_and_srandmember_counts_and_values(r):
    fields = {f"f{i}".encode(): f"value-{i}".encode() for i in range(12)}
    r.hset("h", mapping=fields)
    members = {f"s{i}".encode() for i in range(12)}
    r.sadd("s", *members)
    for count in (1, 5, 12, 40):
        got = r.hrandfield("h", count)
        assert len(got) == min(count, 12) and len(set(got)) == len(got) and set(got) <= set(fields)
        got = r.srandmember("s", count)
        assert len(got) == min(count, 12) and len(set(got)) == len(got) and set(got) <= members
    for count in (1, 5, 40):
        got = r.hrandfield("h", -count)
        assert len(got) == count and set(got) <= set(fields)
        got = r.srandmember("s", -count)
        assert len(got) == count and set(got) <= members
    for count in (3, 12, 30, -3, -30):
        got = pairs(r.hrandfield("h", count, withvalues=True))
        assert len(got) == (min(count, 12) if count > 0 else -count), count
        assert all(fields[f] == v for f, v in got), got
        if count > 0:
            assert len({f for f, _ in got}) == len(got)
    assert {r.hrandfield("h") for _ in range(300)} == set(fields)
    assert r.hrandfield("nokey") is None and r.hrandfield("nokey", 3, withvalues=True) == []
    r.hset("small", "only", "one")
    assert pairs(r.hrandfield("small", -3, withvalues=True)) == [(b"only", b"one")] * 3


def test_random_member_counts_on_large_collections(r):
    """Counts below, around and above a third of the size and the size itself (Redis
    picks a different algorithm in each range)."""
    n = 1000
    r.zadd("z", {f"m{i}": i for i in range(n)})
    r.hset("h", mapping={f"f{i}": f"v{i}" for i in range(n)})
    r.sadd("s", *[f"s{i}" for i in range(n)])
    for count in (10, 333, 334, 500, 999, 1000, 1001):
        for got in (r.zrandmember("z", count), r.hrandfield("h", count), r.srandmember("s", count)):
            assert len(got) == min(count, n) and len(set(got)) == len(got), count
        got = pairs(r.execute_command("ZRANDMEMBER", "z", count, "WITHSCORES"))
        assert len({m for m, _ in got}) == min(count, n)
        assert all(float(score) == int(m[1:]) for m, score in got)
        got = pairs(r.hrandfield("h", count, withvalues=True))
        assert len({f for f, _ in got}) == min(count, n)
        assert all(v == b"v" + f[1:] for f, v in got)
    assert len(r.hrandfield("h", -5000)) == 5000


def test_random_members_with_scores_and_values_are_nested_pairs_in_resp3(server, r):
    scores = {b"a": 1.5, b"b": -2.0, b"c": 3.0}
    r.zadd("z", scores)
    values = {b"f1": b"v1", b"f2": b"v2", b"f3": b"v3"}
    r.hset("h", mapping=values)
    c = Raw(server.port("redis"))
    assert c.call("HELLO", "3")[b"proto"] == 3
    for count in (1, 2, 3, 5, -1, -7):
        expected_len = min(count, 3) if count > 0 else -count
        got = c.call("ZRANDMEMBER", "z", count, "WITHSCORES")
        assert len(got) == expected_len, (count, got)
        for pair in got:  # [member, double], the score a real RESP3 double
            assert isinstance(pair, list) and len(pair) == 2, got
            assert isinstance(pair[1], float) and pair[1] == scores[pair[0]], got
        got = c.call("HRANDFIELD", "h", count, "WITHVALUES")
        assert len(got) == expected_len, (count, got)
        for pair in got:
            assert isinstance(pair, list) and len(pair) == 2 and values[pair[0]] == pair[1], got
    assert c.call("ZRANDMEMBER", "z") in scores  # no count: one plain member
    assert c.call("ZRANDMEMBER", "z", 0, "WITHSCORES") == []
    assert c.call("ZRANDMEMBER", "nokey", 2, "WITHSCORES") == []
    assert c.call("HRANDFIELD", "nokey") is None
    c.close()


# ---------------------------------------------------------------------------
# CLIENT REPLY


def silent(sock, seconds=0.3):
    """True when the server sends nothing for `seconds`."""
    sock.settimeout(seconds)
    try:
        data = sock.recv(1000)
    except socket.timeout:
        return True
    raise AssertionError(f"expected no reply, got {data!r}")


def recv_exactly(sock, n, timeout=5):
    sock.settimeout(timeout)
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        assert chunk, f"connection closed after {data!r}"
        data += chunk
    return data


def test_client_reply_off_and_on(server, r):
    with socket.create_connection(("127.0.0.1", server.port("redis"))) as c:
        c.sendall(b"CLIENT REPLY OFF\r\n")
        assert silent(c)
        c.sendall(b"SET k v\r\nGET k\r\nINCR k\r\nNOSUCHCOMMAND\r\n")
        assert silent(c)
        assert r.get("k") == b"v"  # the commands ran, only their replies were dropped
        c.sendall(b"CLIENT REPLY ON\r\n")
        assert recv_exactly(c, 5) == b"+OK\r\n"
        c.sendall(b"GET k\r\n")
        assert recv_exactly(c, 7) == b"$1\r\nv\r\n"
        assert silent(c, 0.1)


def test_client_reply_off_pipelined_then_on(server):
    with socket.create_connection(("127.0.0.1", server.port("redis"))) as c:
        c.sendall(b"CLIENT REPLY OFF\r\nSET a 1\r\nGET a\r\nCLIENT REPLY ON\r\nGET a\r\n")
        assert recv_exactly(c, 12) == b"+OK\r\n$1\r\n1\r\n"
        assert silent(c, 0.2)


def test_client_reply_skip_drops_exactly_the_next_reply(server, r):
    with socket.create_connection(("127.0.0.1", server.port("redis"))) as c:
        c.sendall(b"CLIENT REPLY SKIP\r\n")
        assert silent(c)
        c.sendall(b"SET k 2\r\n")
        assert silent(c)
        assert r.get("k") == b"2"
        c.sendall(b"GET k\r\n")
        assert recv_exactly(c, 7) == b"$1\r\n2\r\n"
        # Pipelined: only the SET right after SKIP loses its reply.
        c.sendall(b"CLIENT REPLY SKIP\r\nINCR k\r\nINCR k\r\nGET k\r\n")
        assert recv_exactly(c, 11) == b":4\r\n$1\r\n4\r\n"
        assert silent(c, 0.2)


def test_client_reply_skip_while_off_keeps_replies_off(server):
    with socket.create_connection(("127.0.0.1", server.port("redis"))) as c:
        c.sendall(b"CLIENT REPLY OFF\r\nCLIENT REPLY SKIP\r\nPING\r\nPING\r\nCLIENT REPLY ON\r\n")
        assert recv_exactly(c, 5) == b"+OK\r\n"  # Redis 7.0: only ON's reply
        assert silent(c, 0.2)


def test_client_reply_on_cancels_a_pending_skip(server):
    with socket.create_connection(("127.0.0.1", server.port("redis"))) as c:
        c.sendall(b"CLIENT REPLY SKIP\r\nCLIENT REPLY ON\r\nPING\r\n")
        assert recv_exactly(c, 12, timeout=1) == b"+OK\r\n+PONG\r\n"


def test_client_reply_off_still_delivers_subscription_confirmations(server, r):
    with socket.create_connection(("127.0.0.1", server.port("redis"))) as c:
        c.sendall(b"CLIENT REPLY OFF\r\nSUBSCRIBE ch\r\n")
        expected = b"*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
        assert recv_exactly(c, len(expected), timeout=1) == expected


def test_client_reply_off_still_delivers_published_messages(server, r):
    with socket.create_connection(("127.0.0.1", server.port("redis"))) as c:
        c.settimeout(5)
        c.sendall(b"HELLO 3\r\nSUBSCRIBE ch\r\n")
        hello_and_subscribe = c.recv(10000)
        while b">3\r\n$9\r\nsubscribe" not in hello_and_subscribe:
            hello_and_subscribe += c.recv(10000)
        c.sendall(b"CLIENT REPLY OFF\r\n")
        assert silent(c, 0.2)
        assert r.publish("ch", "m") == 1
        expected = b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nm\r\n"
        assert recv_exactly(c, len(expected)) == expected


# ---------------------------------------------------------------------------
# CLIENT PAUSE


def test_client_pause_write_blocks_writes_not_reads_until_unpause(server, r):
    r.set("readable", "yes")
    admin = client(server)
    assert admin.execute_command("CLIENT", "PAUSE", 100000, "WRITE") == b"OK"
    with socket.create_connection(("127.0.0.1", server.port("redis"))) as writer:
        writer.sendall(b"SET paused-key v\r\n")
        reader = client(server)
        assert reader.get("readable") == b"yes"  # reads are not paused
        assert reader.get("paused-key") is None
        time.sleep(0.3)
        assert silent(writer, 0.05), "SET answered during CLIENT PAUSE WRITE"
        assert reader.get("paused-key") is None
        assert admin.execute_command("CLIENT", "UNPAUSE") == b"OK"
        assert recv_exactly(writer, 5) == b"+OK\r\n"
    assert r.get("paused-key") == b"v"


def test_client_pause_all_with_a_timeout_delays_reads_then_lets_them_run(server, r):
    r.set("k", "v")
    reader = client(server)
    reader.ping()  # connected before the pause
    started = time.time()
    assert client(server).execute_command("CLIENT", "PAUSE", 300, "ALL") == b"OK"
    assert reader.get("k") == b"v"
    assert time.time() - started >= 0.25


def test_client_pause_write_holds_multi_exec_until_unpause(server, r):
    admin = client(server)
    admin.execute_command("CLIENT", "PAUSE", 100000, "WRITE")
    with socket.create_connection(("127.0.0.1", server.port("redis"))) as c:
        c.sendall(b"MULTI\r\n")
        assert recv_exactly(c, 5) == b"+OK\r\n"
        c.sendall(b"SET k 1\r\nEXEC\r\n")
        time.sleep(0.3)
        assert r.get("k") is None
        admin.execute_command("CLIENT", "UNPAUSE")
        assert recv_exactly(c, 18) == b"+QUEUED\r\n*1\r\n+OK\r\n"
    assert r.get("k") == b"1"


def test_replies_before_a_paused_write_are_sent_first(server, r):
    r.set("k", "v")
    admin = client(server)
    admin.execute_command("CLIENT", "PAUSE", 100000, "WRITE")
    with socket.create_connection(("127.0.0.1", server.port("redis"))) as c:
        c.sendall(b"GET k\r\nSET k 2\r\n")
        try:
            assert recv_exactly(c, 7, timeout=1) == b"$1\r\nv\r\n"
        finally:
            admin.execute_command("CLIENT", "UNPAUSE")
        assert recv_exactly(c, 5) == b"+OK\r\n"


# ---------------------------------------------------------------------------
# BLMPOP / BZMPOP


def test_blmpop_is_woken_by_a_push_from_another_client(server, r):
    first, second = keys_on(0, "bl")[0], keys_on(1, "bl")[0]
    out = blocking(server, "BLMPOP", 10, 2, first, second, "LEFT", "COUNT", 2)
    wait_blocked(r, 1)
    r.rpush(second, "a", "b", "c")
    assert out.result() == [second.encode(), [b"a", b"b"]]
    assert r.lrange(second, 0, -1) == [b"c"]
    out = blocking(server, "BLMPOP", 10, 1, first, "RIGHT")
    wait_blocked(r, 1)
    r.lpush(first, "x", "y")
    assert out.result() == [first.encode(), [b"x"]]
    assert r.lrange(first, 0, -1) == [b"y"]


def test_bzmpop_is_woken_by_a_zadd_from_another_client(server, r):
    first, second = keys_on(0, "bz")[0], keys_on(1, "bz")[0]
    out = blocking(server, "BZMPOP", 10, 2, first, second, "MAX", "COUNT", 2)
    wait_blocked(r, 1)
    r.zadd(second, {"a": 1, "b": 2, "c": 3})
    assert out.result() == [second.encode(), [[b"c", b"3"], [b"b", b"2"]]]
    assert r.zrange(second, 0, -1, withscores=True) == [(b"a", 1.0)]
    out = blocking(server, "BZMPOP", 10, 2, first, "nokey", "MIN")
    wait_blocked(r, 1)
    r.zadd(first, {"low": -1.5, "high": 9})
    assert out.result() == [first.encode(), [[b"low", b"-1.5"]]]
    assert r.zrange(first, 0, -1) == [b"high"]


def test_blmpop_and_bzmpop_time_out_with_null(r):
    for cmd in (("BLMPOP", 0.3, 2, "none1", "none2", "LEFT"),
                ("BZMPOP", 0.3, 2, "none1", "none2", "MIN", "COUNT", 5)):
        started = time.time()
        assert r.execute_command(*cmd) is None, cmd
        assert time.time() - started >= 0.25, cmd
    assert r.exists("none1", "none2") == 0


def test_blmpop_clients_are_served_in_arrival_order_with_their_counts(server, r):
    first = blocking(server, "BLMPOP", 10, 2, "other", "q", "LEFT", "COUNT", 2)
    wait_blocked(r, 1)
    second = blocking(server, "BLMPOP", 10, 1, "q", "RIGHT", "COUNT", 2)
    wait_blocked(r, 2)
    r.rpush("q", 1, 2, 3)
    assert first.result() == [b"q", [b"1", b"2"]]
    assert second.result() == [b"q", [b"3"]]
    assert r.exists("q") == 0


def test_blocked_mpop_ignores_a_push_and_pop_inside_one_transaction(server, r):
    out = blocking(server, "BLMPOP", 10, 1, "l", "LEFT")
    wait_blocked(r, 1)
    p = r.pipeline(transaction=True)
    p.rpush("l", "transient")
    p.lpop("l")
    p.execute()
    time.sleep(0.2)
    assert not out.done() and r.info("clients")["blocked_clients"] == 1
    r.rpush("l", "kept")
    assert out.result() == [b"l", [b"kept"]]


def test_blocked_mpop_in_another_db_is_not_woken(server, r):
    out = blocking(server, "BZMPOP", 0.5, 1, "z", "MIN", db=1)
    wait_blocked(r, 1)
    r.zadd("z", {"a": 1})  # db 0
    assert out.result() is None
    assert r.zcard("z") == 1


WAKERS = {
    "zunionstore": (lambda c, dest: c.zadd("src", {"a": 1}) and c.zunionstore(dest, ["src", "src"]),
                    "BZMPOP", [b"a", b"2"]),
    "zrangestore": (lambda c, dest: c.zadd("src", {"a": 1, "b": 2}) and c.zrangestore(dest, "src", 1, 1),
                    "BZMPOP", [b"b", b"2"]),
    "zdiffstore": (lambda c, dest: c.zadd("src", {"a": 1}) and c.execute_command("ZDIFFSTORE", dest, 1, "src"),
                   "BZMPOP", [b"a", b"1"]),
    "geosearchstore": (lambda c, dest: c.geoadd("src", [13, 38, "p"]) and c.geosearchstore(
        dest, "src", longitude=13, latitude=38, radius=1, unit="km"), "BZMPOP", [b"p", b"3479065152021743"]),
    "sort store": (lambda c, dest: c.rpush("src", 2, 1) and c.sort("src", store=dest), "BLMPOP", b"1"),
    "lmove": (lambda c, dest: c.rpush("src", "x") and c.lmove("src", dest), "BLMPOP", b"x"),
    "copy": (lambda c, dest: c.rpush("src", "x") and c.copy("src", dest), "BLMPOP", b"x"),
}


@pytest.mark.parametrize("waker", sorted(WAKERS))
def test_blocked_mpop_is_woken_by_a_store_into_its_key(server, r, waker):
    write, command, first = WAKERS[waker]
    dest = keys_on(1 - shard_of("src"), "dest")[0]  # the store crosses shards
    direction = "MIN" if command == "BZMPOP" else "LEFT"
    out = blocking(server, command, 10, 1, dest, direction)
    wait_blocked(r, 1)
    assert write(r, dest)
    assert out.result() == [dest.encode(), [first]]


@pytest.mark.parametrize("how", ["move", "copy db", "swapdb"])
def test_blocked_mpop_is_woken_by_a_key_arriving_from_another_db(server, r, how):
    out = blocking(server, "BLMPOP", 10, 1, "l", "RIGHT", db=2)
    wait_blocked(r, 1)
    r.rpush("l", "a", "b")
    if how == "move":
        assert r.move("l", 2)
    elif how == "copy db":
        assert r.copy("l", "l", destination_db=2)
    else:
        assert r.swapdb(0, 2)
    assert out.result() == [b"l", [b"b"]]
    assert client(server, db=2).lrange("l", 0, -1) == [b"a"]


def test_blocked_mpop_stays_blocked_while_its_key_has_the_wrong_type(server, r):
    lists = blocking(server, "BLMPOP", 10, 1, "l", "LEFT")
    zsets = blocking(server, "BZMPOP", 10, 1, "z", "MIN")
    wait_blocked(r, 2)
    r.zadd("l", {"wrong": 1})
    r.rpush("z", "wrong")
    time.sleep(0.2)
    assert not lists.done() and not zsets.done(), (lists.error, zsets.error)
    r.delete("l", "z")
    r.rpush("l", "right")
    r.zadd("z", {"right": 1})
    assert lists.result() == [b"l", [b"right"]]
    assert zsets.result() == [b"z", [[b"right", b"1"]]]


# ---------------------------------------------------------------------------
# Persistence across kill -9


SICILY = [(13.361389, 38.115556, "Palermo"), (15.087269, 37.502669, "Catania"),
          (12.758489, 38.788135, "edge1"), (13.583333, 37.316667, "Agrigento")]


def geo_state(c):
    return {
        "pos": c.geopos("geo", "Palermo", "Catania", "edge1", "Agrigento", "missing"),
        "dist": c.geodist("geo", "Palermo", "Catania", unit="km"),
        "hash": c.geohash("geo", "Palermo", "Catania"),
        "search": c.geosearch("geo", longitude=15, latitude=37, radius=200, unit="km", sort="ASC",
                              withcoord=True, withdist=True, withhash=True),
        "box": c.geosearch("geo", member="Palermo", width=400, height=400, unit="km", sort="DESC", count=3),
        "stored": c.zrange("near", 0, -1, withscores=True),
    }


def test_geo_survives_kill9(make_server):
    s = make_server().start()
    c = redis.Redis(port=s.port("redis"), socket_timeout=20)
    assert c.geoadd("geo", [v for point in SICILY for v in point]) == 4
    assert c.geosearchstore("near", "geo", member="Catania", radius=150, unit="km", storedist=True) == 2
    before = geo_state(c)
    assert before["search"][0][0] == b"Catania" and before["pos"][4] is None
    assert len(before["stored"]) == 2
    assert abs(before["dist"] - 166.2742) < 0.001
    c = restarted(s)
    assert geo_state(c) == before


def pf_state(c):
    return {k: (c.pfcount(k), c.get(k)) for k in ("hll-dense", "hll-sparse", "hll-merged")}


def test_hyperloglog_survives_kill9(make_server):
    s = make_server().start()
    c = redis.Redis(port=s.port("redis"), socket_timeout=20)
    p = c.pipeline(transaction=False)
    for i in range(0, 5000, 500):
        p.pfadd("hll-dense", *[f"elem-{j}" for j in range(i, i + 500)])
    p.pfadd("hll-sparse", "a", "b", "c", "d")
    p.execute()
    c.pfmerge("hll-merged", "hll-dense", "hll-sparse")
    before = pf_state(c)
    assert abs(before["hll-dense"][0] - 5000) < 5000 * 0.05
    assert before["hll-sparse"][0] == 4
    assert before["hll-dense"][1].startswith(b"HYLL") and len(before["hll-dense"][1]) == 12304  # dense
    assert len(before["hll-sparse"][1]) < 100  # sparse
    c = restarted(s)
    assert pf_state(c) == before
    assert c.pfadd("hll-sparse", "a") == 0 and c.pfadd("hll-sparse", "e") == 1
    assert c.pfcount("hll-sparse") == 5


def test_hyperloglog_bytes_with_cached_count_survive_kill9(make_server):
    """PFCOUNT caches the cardinality inside the string; Redis propagates that update
    (PFCOUNT is replicated and appended to the AOF), so GET is the same after a restart."""
    s = make_server().start()
    c = redis.Redis(port=s.port("redis"), socket_timeout=20)
    c.pfadd("hll", *[f"x{i}" for i in range(3000)])
    uncached = c.get("hll")
    count = c.pfcount("hll")
    cached = c.get("hll")
    assert cached != uncached  # the cache is valid now
    c = restarted(s)
    assert c.get("hll") == cached
    assert c.pfcount("hll") == count


def test_bitmaps_survive_kill9(make_server):
    s = make_server().start()
    c = redis.Redis(port=s.port("redis"), socket_timeout=20)
    for offset in (0, 7, 100, 100_000):
        c.setbit("bits", offset, 1)
    c.setbit("bits", 7, 0)
    assert c.execute_command("BITFIELD", "bf", "SET", "u8", 0, 200, "SET", "i16", 8, -1234,
                             "INCRBY", "u4", 24, 9, "OVERFLOW", "SAT", "INCRBY", "i8", 32, 300) == [0, 0, 9, 127]
    c.set("a", b"\xf0\x0f")
    c.set("b", b"\xff")
    c.bitop("XOR", "xored", "a", "b")
    before = [c.get(k) for k in ("bits", "bf", "xored")]
    assert len(before[0]) == 12501 and before[2] == b"\x0f\x0f"
    c = restarted(s)
    assert [c.get(k) for k in ("bits", "bf", "xored")] == before
    assert [c.getbit("bits", o) for o in (0, 7, 100, 100_000, 100_001)] == [1, 0, 1, 1, 0]
    assert c.bitcount("bits") == 3
    assert c.execute_command("BITFIELD_RO", "bf", "GET", "u8", 0, "GET", "i16", 8,
                             "GET", "u4", 24, "GET", "i8", 32) == [200, -1234, 9, 127]


def test_sort_store_survives_kill9(make_server):
    s = make_server().start()
    c = redis.Redis(port=s.port("redis"), socket_timeout=20)
    c.rpush("ids", 3, 1, 2, 10)
    c.mset({"w_1": 40, "w_2": 30, "w_3": 20, "w_10": 10, "name_1": "one", "name_2": "two",
            "name_3": "three", "name_10": "ten"})
    assert c.sort("ids", store="sorted") == 4
    assert c.sort("ids", by="w_*", get=["#", "name_*"], store="by-weight") == 8
    assert c.sort("ids", alpha=True, desc=True, start=0, num=3, store="alpha") == 3
    c.sadd("was-a-set", "x")
    assert c.sort("ids", store="was-a-set") == 4  # replaces the set with a list
    c.set("emptied", "x")
    assert c.sort("no-such-list", store="emptied") == 0  # an empty result deletes the key
    c = restarted(s)
    assert c.lrange("sorted", 0, -1) == [b"1", b"2", b"3", b"10"]
    assert c.lrange("by-weight", 0, -1) == [b"10", b"ten", b"3", b"three", b"2", b"two", b"1", b"one"]
    assert c.lrange("alpha", 0, -1) == [b"3", b"2", b"10"]
    assert c.type("was-a-set") == b"list" and c.lrange("was-a-set", 0, -1) == [b"1", b"2", b"3", b"10"]
    assert c.exists("emptied") == 0


def test_swapdb_survives_kill9(make_server):
    s = make_server().start()
    db0, db1 = redis.Redis(port=s.port("redis"), db=0), redis.Redis(port=s.port("redis"), db=1)
    db0.set("only-in-0", "zero")
    db0.rpush("list", "from-0")
    db0.set("ttl-in-0", "t", ex=1000)
    db1.set("only-in-1", "one")
    db1.hset("hash", "f", "from-1")
    assert db0.swapdb(0, 1)
    assert db0.get("only-in-1") == b"one" and db1.get("only-in-0") == b"zero"
    db0.set("written-after-swap", "in-0")  # lands in what is now db 0
    db1.rpush("list", "pushed-after-swap")
    s.kill()
    s.start()
    db0, db1 = redis.Redis(port=s.port("redis"), db=0), redis.Redis(port=s.port("redis"), db=1)
    assert sorted(db0.keys("*")) == [b"hash", b"only-in-1", b"written-after-swap"]
    assert sorted(db1.keys("*")) == [b"list", b"only-in-0", b"ttl-in-0"]
    assert db0.hgetall("hash") == {b"f": b"from-1"}
    assert db1.lrange("list", 0, -1) == [b"from-0", b"pushed-after-swap"]
    assert 990 < db1.ttl("ttl-in-0") <= 1000
    # Swapping back after the restart is persisted too.
    assert db0.swapdb(1, 0)
    s.kill()
    s.start()
    db0 = redis.Redis(port=s.port("redis"), db=0)
    assert sorted(db0.keys("*")) == [b"list", b"only-in-0", b"ttl-in-0"]


def test_move_and_copy_survive_kill9(make_server):
    s = make_server().start()
    c = redis.Redis(port=s.port("redis"), socket_timeout=20)
    c.set("moved", "m", ex=1000)
    c.zadd("zsrc", {"a": 1, "b": 2})
    c.hset("hsrc", mapping={"f": "v"})
    c.set(keys_on(0, "str")[0], "string")
    assert c.move("moved", 2)
    assert c.copy("zsrc", "zcopy", destination_db=3)
    assert c.copy("hsrc", keys_on(1, "hcopy")[0])  # across shards
    assert c.copy(keys_on(0, "str")[0], keys_on(1, "strcopy")[0])
    c.set("replaced", "old")
    assert c.copy("zsrc", "replaced", replace=True)
    assert not c.copy("hsrc", "replaced")  # exists, no REPLACE
    c.zadd("zsrc", {"c": 3})  # the copy is independent of its source
    c = restarted(s)
    assert c.exists("moved") == 0
    db2 = redis.Redis(port=s.port("redis"), db=2)
    assert db2.get("moved") == b"m" and 990 < db2.ttl("moved") <= 1000
    db3 = redis.Redis(port=s.port("redis"), db=3)
    assert db3.zrange("zcopy", 0, -1, withscores=True) == [(b"a", 1.0), (b"b", 2.0)]
    assert c.hgetall(keys_on(1, "hcopy")[0]) == {b"f": b"v"}
    assert c.get(keys_on(1, "strcopy")[0]) == b"string"
    assert c.type("replaced") == b"zset" and c.zcard("replaced") == 2
    assert c.zcard("zsrc") == 3


def test_sorted_set_stores_survive_kill9(make_server):
    s = make_server().start()
    c = redis.Redis(port=s.port("redis"), socket_timeout=20)
    a, b = keys_on(0, "za")[0], keys_on(1, "zb")[0]
    c.zadd(a, {"x": 1, "y": 2, "z": 3})
    c.zadd(b, {"y": 10, "z": 20, "w": 30})
    assert c.zunionstore("union", {a: 2, b: 1}, aggregate="MAX") == 4
    assert c.zinterstore("inter", [a, b]) == 2
    assert c.execute_command("ZDIFFSTORE", "diff", 2, a, b) == 1
    assert c.execute_command("ZRANGESTORE", "range", b, 0, 1) == 2
    c.set("emptied", "x")
    assert c.zinterstore("emptied", [a, "nokey"]) == 0  # an empty result deletes the key
    c = restarted(s)
    assert c.zrange("union", 0, -1, withscores=True) == [(b"x", 2.0), (b"y", 10.0), (b"z", 20.0), (b"w", 30.0)]
    assert c.zrange("inter", 0, -1, withscores=True) == [(b"y", 12.0), (b"z", 23.0)]
    assert c.zrange("diff", 0, -1, withscores=True) == [(b"x", 1.0)]
    assert c.zrange("range", 0, -1, withscores=True) == [(b"y", 10.0), (b"z", 20.0)]
    assert c.exists("emptied") == 0


def test_mpop_pops_stay_gone_after_kill9(make_server):
    s = make_server().start()
    c = redis.Redis(port=s.port("redis"), socket_timeout=20)
    c.rpush("l1", "a", "b", "c", "d")
    c.rpush("l2", "only")
    c.zadd("zs", {"m1": 1, "m2": 2, "m3": 3})
    assert c.execute_command("LMPOP", 2, "l1", "l2", "LEFT", "COUNT", 3) == [b"l1", [b"a", b"b", b"c"]]
    assert c.execute_command("LMPOP", 2, "l1", "l2", "RIGHT", "COUNT", 5) == [b"l1", [b"d"]]
    assert c.execute_command("LMPOP", 2, "l1", "l2", "RIGHT") == [b"l2", [b"only"]]
    assert c.execute_command("ZMPOP", 1, "zs", "MAX", "COUNT", 2) == [b"zs", [[b"m3", b"3"], [b"m2", b"2"]]]
    c.rpush("woken", "w1", "w2")
    assert c.execute_command("BLMPOP", 1, 1, "woken", "LEFT") == [b"woken", [b"w1"]]
    c = restarted(s)
    assert c.exists("l1", "l2") == 0
    assert c.zrange("zs", 0, -1, withscores=True) == [(b"m1", 1.0)]
    assert c.lrange("woken", 0, -1) == [b"w2"]
    c.rpush("l1", "new")  # the emptied list starts over cleanly
    assert c.lrange("l1", 0, -1) == [b"new"]


# ---------------------------------------------------------------------------
# Cross-shard commands


def zset_value(c, key):
    return dict(c.zrange(key, 0, -1, withscores=True))


def test_zinterstore_and_zunionstore_across_shards_compute_the_right_result(r):
    rng = random.Random(7)
    keys = keys_on(0, "zs", 4) + keys_on(1, "zs", 4)
    sets = {}
    for k in keys:
        sets[k] = {f"m{rng.randrange(12)}": rng.randrange(-50, 50) for _ in range(8)}
        r.zadd(k, sets[k])
    for round_ in range(60):
        chosen = rng.sample(keys, rng.randrange(2, 6))
        weights = [rng.choice([1, 2, -1, 0.5]) for _ in chosen]
        dest = keys_on(round_ % 2, f"dest{round_}:")[0]
        common = set.intersection(*(set(sets[k]) for k in chosen))
        expected = {m.encode(): sum(w * sets[k][m] for k, w in zip(chosen, weights)) for m in common}
        assert r.zinterstore(dest, dict(zip(chosen, weights))) == len(expected)
        assert zset_value(r, dest) == expected, (chosen, weights)
        union = {}
        for k in chosen:
            for m, score in sets[k].items():
                union[m.encode()] = min(union.get(m.encode(), score), score)
        assert r.zunionstore(dest, chosen, aggregate="MIN") == len(union)
        assert zset_value(r, dest) == union, chosen
    assert {shard_of(k) for k in keys} == {0, 1}


def test_cross_shard_stores_and_sort_see_multi_exec_all_or_nothing(server, r):
    a, b = keys_on(0, "atom-z")[0], keys_on(1, "atom-z")[0]
    ids = keys_on(0, "ids")[0]
    weight_keys = [f"wt_{i}" for i in range(6)]
    assert {shard_of(k) for k in weight_keys} == {0, 1}
    r.zadd(a, {"m": 0})
    r.zadd(b, {"m": 0})
    r.rpush(ids, *range(6))
    r.mset({k: i for i, k in enumerate(weight_keys)})
    ascending = [str(i).encode() for i in range(6)]
    stop = threading.Event()
    problems, rounds = [], []

    def writer():
        c = client(server)
        i = 0
        while not stop.is_set():
            i += 1
            p = c.pipeline(transaction=True)
            p.zadd(a, {"m": i})
            p.zadd(b, {"m": i})
            sign = -1 if i % 2 else 1  # the sort order flips as a whole
            p.mset({k: sign * n for n, k in enumerate(weight_keys)})
            p.execute()
        rounds.append(i)

    def checker(dest):
        def run():
            c = client(server)
            n = 0
            while not stop.is_set():
                n += 1
                # a and b always hold the same score, so a - b is 0 in every snapshot.
                c.zinterstore(dest, {a: 1, b: -1})
                got = c.zrange(dest, 0, -1, withscores=True)
                if got != [(b"m", 0.0)]:
                    problems.append(("zinterstore", got))
                c.zunionstore(dest, {a: -1, b: 1})
                got = c.zrange(dest, 0, -1, withscores=True)
                if got != [(b"m", 0.0)]:
                    problems.append(("zunionstore", got))
                order = c.sort(ids, by="wt_*")
                if order not in (ascending, ascending[::-1]):
                    problems.append(("sort by", order))
            rounds.append(n)
        return run

    threads = [threading.Thread(target=f) for f in (writer, checker(keys_on(0, "d")[0]), checker(keys_on(1, "d")[0]))]
    for t in threads:
        t.start()
    time.sleep(1.5)
    stop.set()
    for t in threads:
        t.join(20)
    assert problems == [], problems[:5]
    assert len(rounds) == 3 and min(rounds) > 10, rounds
