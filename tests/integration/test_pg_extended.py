"""The PostgreSQL extended query protocol (ADR 005, slice 3): node-postgres
(npm `pg`, tests/node) for what drivers do, and raw protocol messages for what
drivers rarely show: binary formats, Describe, row limits with PortalSuspended,
errors that skip to Sync, unnamed statement replacement."""

import os
import shutil
import socket
import struct
import subprocess

import pytest

from orbit_harness import ROOT

NODE_DIR = os.path.join(ROOT, "tests", "node")


def test_node_postgres_client(server):
    if not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "pg")):
        pytest.fail("tests/node/node_modules is missing: run scripts/setup")
    out = subprocess.run([shutil.which("node") or "node", "extended.js", str(server.port("pg"))], cwd=NODE_DIR,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stdout + out.stderr


class Wire:
    """A minimal frontend: startup, then raw typed messages and their replies."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        params = b"user\0postgres\0database\0postgres\0\0"
        self.sock.sendall(struct.pack("!II", 8 + len(params), 196608) + params)
        self.until(b"Z")

    def send(self, *messages):
        self.sock.sendall(b"".join(messages))

    def recv(self):
        head = self._exact(5)
        kind, length = head[:1], struct.unpack("!I", head[1:])[0]
        return kind, self._exact(length - 4)

    def until(self, kind):
        got = []
        while True:
            m = self.recv()
            got.append(m)
            if m[0] == kind:
                return got

    def _exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            assert chunk, "connection closed"
            buf += chunk
        return buf


def msg(kind, payload=b""):
    return kind + struct.pack("!I", len(payload) + 4) + payload


def parse(name, sql, oids=()):
    return msg(b"P", name + b"\0" + sql + b"\0" + struct.pack("!H", len(oids)) + b"".join(struct.pack("!I", o) for o in oids))


def bind(portal, stmt, params, param_formats=(), result_formats=()):
    body = portal + b"\0" + stmt + b"\0" + struct.pack("!H", len(param_formats))
    body += b"".join(struct.pack("!H", f) for f in param_formats) + struct.pack("!H", len(params))
    for p in params:
        body += struct.pack("!i", -1) if p is None else struct.pack("!I", len(p)) + p
    body += struct.pack("!H", len(result_formats)) + b"".join(struct.pack("!H", f) for f in result_formats)
    return msg(b"B", body)


def execute(portal=b"", max_rows=0):
    return msg(b"E", portal + b"\0" + struct.pack("!I", max_rows))


def describe(kind, name):
    return msg(b"D", kind + name + b"\0")


SYNC = msg(b"S")


def data_rows(replies):
    rows = []
    for kind, body in replies:
        if kind != b"D":
            continue
        n, pos, row = struct.unpack("!H", body[:2])[0], 2, []
        for _ in range(n):
            length = struct.unpack("!i", body[pos:pos + 4])[0]
            pos += 4
            row.append(None if length < 0 else body[pos:pos + length])
            pos += max(length, 0)
        rows.append(row)
    return rows


def error_code(body):
    fields = dict((f[:1], f[1:]) for f in body.split(b"\0") if f)
    return fields[b"C"].decode()


@pytest.fixture
def wire(server):
    w = Wire(server.port("pg"))
    w.send(msg(b"Q", b"CREATE TABLE ext (id int PRIMARY KEY, v bigint, f float8, t text, b boolean)\0"))
    w.until(b"Z")
    rows = b", ".join(b"(%d, %d, %d.5, 't%d', %s)" % (i, i * 10**10, i, i, b"true" if i % 2 else b"false")
                      for i in range(1, 11))
    w.send(msg(b"Q", b"INSERT INTO ext VALUES " + rows + b"\0"))
    w.until(b"Z")
    return w


def test_binary_parameters_and_results(wire):
    wire.send(parse(b"s1", b"SELECT id, v, f, t, b FROM ext WHERE id = $1 AND v = $2", (23, 20)),
              bind(b"", b"s1", [struct.pack("!i", 3), struct.pack("!q", 3 * 10**10)], (1,), (1,)),
              execute(), SYNC)
    replies = wire.until(b"Z")
    kinds = [k for k, _ in replies]
    assert kinds == [b"1", b"2", b"D", b"C", b"Z"]
    [row] = data_rows(replies)
    assert struct.unpack("!i", row[0])[0] == 3
    assert struct.unpack("!q", row[1])[0] == 3 * 10**10
    assert struct.unpack("!d", row[2])[0] == 3.5
    assert row[3] == b"t3" and row[4] == b"\x01"  # 3 is odd: true


def test_describe_reports_inferred_parameter_types_and_columns(wire):
    wire.send(parse(b"s2", b"SELECT t, f * 2 AS d FROM ext WHERE id > $1 LIMIT $2"), describe(b"S", b"s2"), SYNC)
    replies = wire.until(b"Z")
    desc = dict(replies)
    n = struct.unpack("!H", desc[b"t"][:2])[0]
    oids = struct.unpack("!%dI" % n, desc[b"t"][2:])
    assert oids == (23, 20)  # id is int4, LIMIT takes bigint
    assert b"t\0" in desc[b"T"] and b"d\0" in desc[b"T"]
    wire.send(parse(b"", b"INSERT INTO ext (id) VALUES ($1)"), describe(b"S", b""), SYNC)
    assert [k for k, _ in wire.until(b"Z")] == [b"1", b"t", b"n", b"Z"]  # NoData: no result rows


def test_row_limit_suspends_the_portal(wire):
    wire.send(parse(b"", b"SELECT id FROM ext ORDER BY id"), bind(b"cur", b"", []), execute(b"cur", 4), SYNC)
    replies = wire.until(b"Z")
    assert [int(r[0]) for r in data_rows(replies)] == [1, 2, 3, 4]
    assert replies[-2][0] == b"s"  # PortalSuspended
    # In a transaction block the portal lives on across Syncs.
    wire.send(msg(b"Q", b"BEGIN\0"))
    wire.until(b"Z")
    wire.send(parse(b"", b"SELECT id FROM ext ORDER BY id"), bind(b"cur2", b"", []), execute(b"cur2", 4), SYNC)
    wire.until(b"Z")
    wire.send(execute(b"cur2", 4), SYNC)
    assert [int(r[0]) for r in data_rows(wire.until(b"Z"))] == [5, 6, 7, 8]
    wire.send(execute(b"cur2", 0), SYNC)
    replies = wire.until(b"Z")
    assert [int(r[0]) for r in data_rows(replies)] == [9, 10]
    assert any(k == b"C" and body.startswith(b"SELECT 10") for k, body in replies)
    wire.send(msg(b"Q", b"COMMIT\0"))
    wire.until(b"Z")


def test_error_skips_to_sync_and_the_implicit_transaction_rolls_back(wire):
    wire.send(parse(b"", b"INSERT INTO ext (id) VALUES ($1)"), bind(b"", b"", [b"100"]), execute(),
              parse(b"", b"INSERT INTO ext (id) VALUES ($1)"), bind(b"", b"", [b"1"]), execute(),  # 23505
              parse(b"", b"SELECT 1"), bind(b"", b"", []), execute(),  # skipped
              SYNC)
    replies = wire.until(b"Z")
    kinds = [k for k, _ in replies]
    assert kinds == [b"1", b"2", b"C", b"1", b"2", b"E", b"Z"]
    assert error_code(replies[5][1]) == "23505"
    assert replies[-1][1] == b"I"
    wire.send(msg(b"Q", b"SELECT count(*) FROM ext WHERE id = 100\0"))
    assert data_rows(wire.until(b"Z")) == [[b"0"]]  # the first insert went with the failed batch


def test_bad_parameters_are_errors_not_disconnects(wire):
    cases = [
        (bind(b"", b"s9", []), "26000"),  # no such statement
        (bind(b"", b"", [b"1", b"2"]), "08P01"),  # wrong parameter count
        (bind(b"", b"", [b"\x00\x01"], (1,)), "22P03"),  # 2 bytes for an int4
        (bind(b"", b"", [b"abc"]), "22P02"),
    ]
    for message, code in cases:
        wire.send(parse(b"", b"SELECT * FROM ext WHERE id = $1"), message, execute(), SYNC)
        replies = wire.until(b"Z")
        errors = [body for kind, body in replies if kind == b"E"]
        assert len(errors) == 1 and error_code(errors[0]) == code
    wire.send(execute(b"nope"), SYNC)
    assert error_code(dict(wire.until(b"Z"))[b"E"]) == "34000"
    wire.send(parse(b"", b"SELECT 1; SELECT 2"), SYNC)
    assert error_code(dict(wire.until(b"Z"))[b"E"]) == "42601"
    wire.send(msg(b"Q", b"SELECT 42\0"))
    assert data_rows(wire.until(b"Z")) == [[b"42"]]


def test_binary_formats_of_uuid_interval_time_jsonb_and_arrays(wire):
    """Binary parameters and results for the newer types, as libpq-based drivers
    that ask for format 1 (JDBC, asyncpg) send and read them."""
    uid = bytes(range(16))
    interval = struct.pack("!qii", 3_600_000_000, 2, 14)  # 1 hour, 2 days, 14 months
    int_array = struct.pack("!iiiii", 1, 1, 23, 3, 1) + b"".join(
        struct.pack("!i", 4) + struct.pack("!i", v) for v in (7, 8)) + struct.pack("!i", -1)
    wire.send(parse(b"t", b"SELECT $1::uuid, $2::interval, $3::int4[], '10:11:12.5'::time, '{\"a\": 1}'::jsonb",
                    (2950, 1186, 1007)),
              bind(b"", b"t", [uid, interval, int_array], (1,), (1,)), execute(), SYNC)
    replies = wire.until(b"Z")
    assert [k for k, _ in replies] == [b"1", b"2", b"D", b"C", b"Z"], replies
    [row] = data_rows(replies)
    assert row[0] == uid
    assert row[1] == interval
    assert row[2] == int_array
    assert struct.unpack("!q", row[3])[0] == ((10 * 60 + 11) * 60 + 12) * 1_000_000 + 500_000
    assert row[4] == b'\x01{"a": 1}'
    # The same values in text form.
    wire.send(parse(b"", b"SELECT $1::uuid, $2::interval, $3::int4[]", (2950, 1186, 1007)),
              bind(b"", b"", [uid, interval, int_array], (1,), (0,)), execute(), SYNC)
    [row] = data_rows(wire.until(b"Z"))
    assert row == [b"00010203-0405-0607-0809-0a0b0c0d0e0f", b"1 year 2 mons 2 days 01:00:00", b"{7,8,NULL}"]
    # A malformed binary array is 22P03 and the connection stays usable.
    wire.send(parse(b"", b"SELECT $1::int4[]", (1007,)), bind(b"", b"", [b"\x00\x00"], (1,)), execute(), SYNC)
    replies = wire.until(b"Z")
    assert [error_code(body) for kind, body in replies if kind == b"E"] == ["22P03"]


def test_binary_regclass_is_the_oid(wire):
    wire.send(parse(b"", b"SELECT 'pg_class'::regclass, 'int4'::regtype"), bind(b"", b"", [], (), (1,)), execute(), SYNC)
    [row] = data_rows(wire.until(b"Z"))
    assert struct.unpack("!I", row[0])[0] == 1259 and struct.unpack("!I", row[1])[0] == 23


def test_create_database_and_vacuum_over_the_extended_protocol(wire):
    # One statement per Sync is not a transaction block (as pgjdbc and node-pg send them)...
    for sql in (b"CREATE DATABASE viaext", b"VACUUM ext", b"DROP DATABASE viaext"):
        wire.send(parse(b"", sql), bind(b"", b"", []), execute(), SYNC)
        kinds = [k for k, _ in wire.until(b"Z")]
        assert kinds == [b"1", b"2", b"C", b"Z"], sql
    # ...two Executes before one Sync are a pipeline, which is (25001).
    wire.send(parse(b"", b"SELECT 1"), bind(b"", b"", []), execute(),
              parse(b"", b"CREATE DATABASE piped"), bind(b"", b"", []), execute(), SYNC)
    replies = wire.until(b"Z")
    assert [k for k, _ in replies] == [b"1", b"2", b"D", b"C", b"1", b"2", b"E", b"Z"]
    assert error_code(replies[6][1]) == "25001"


def test_large_returning_in_a_block_is_written_once(wire):
    # The write runs on the connection's thread; its RETURNING rows (300 KB, past
    # the inline output budget) are sent after it is applied, never redone.
    wire.send(msg(b"Q", b"CREATE TABLE wide (id int PRIMARY KEY, pad text)\0"))
    wire.until(b"Z")
    wire.send(msg(b"Q", b"BEGIN\0"))
    wire.until(b"Z")
    wire.send(parse(b"", b"INSERT INTO wide VALUES (1, repeat('x', 150000)), (2, repeat('y', 150000)) RETURNING *"),
              bind(b"", b"", []), execute(), SYNC)
    replies = wire.until(b"Z")
    assert [k for k, _ in replies].count(b"D") == 2
    assert replies[-2][0] == b"C" and replies[-2][1].startswith(b"INSERT 0 2")
    wire.send(msg(b"Q", b"COMMIT\0"))
    wire.until(b"Z")
    wire.send(msg(b"Q", b"SELECT count(*) FROM wide\0"))
    assert data_rows(wire.until(b"Z")) == [[b"2"]]


def test_a_rerun_execute_does_not_reuse_an_earlier_executes_sequence_value(wire):
    # One batch in a block: an INSERT takes id 2 from its SERIAL sequence and is
    # done; the next Execute takes nextval (3) and outgrows the connection
    # thread's output budget, so it alone runs again elsewhere: it must answer 3.
    wire.send(msg(b"Q", b"CREATE TABLE numbered2 (id serial PRIMARY KEY, pad text)\0"))
    wire.until(b"Z")
    wire.send(msg(b"Q", b"INSERT INTO numbered2 (pad) VALUES ('first')\0"))  # reserves a block of values
    wire.until(b"Z")
    wire.send(msg(b"Q", b"BEGIN\0"))
    wire.until(b"Z")
    wire.send(parse(b"", b"INSERT INTO numbered2 (pad) VALUES ('a') RETURNING id"), bind(b"", b"", []), execute(),
              parse(b"", b"SELECT nextval('numbered2_id_seq'), repeat('x', 300000)"), bind(b"", b"", []), execute(),
              SYNC)
    rows = data_rows(wire.until(b"Z"))
    assert [r[0] for r in rows] == [b"2", b"3"]
    wire.send(msg(b"Q", b"COMMIT\0"))
    wire.until(b"Z")
