"""Tables through the PostgreSQL listener (the SQL engine's second slice), for
what the sqllogictest corpus (tests/sql/*.test, one autocommit connection per
file) cannot show: psycopg2's implicit transactions, persistence across a
graceful restart and a kill -9, two sessions at once (row locks, READ COMMITTED
visibility, transactional DDL), error fields, results larger than one
1024-row batch, psql's output and notices, and hostile input."""

import io
import os
import socket
import struct
import subprocess
import threading
import time

import psycopg2
import psycopg2.extensions as ext
import pytest


def connect(server, autocommit=False):
    c = psycopg2.connect(host="127.0.0.1", port=server.port("pg"), user="postgres", dbname="postgres")
    c.autocommit = autocommit
    return c


@pytest.fixture
def conn(server):
    c = connect(server, autocommit=True)
    yield c
    c.close()


def rows(c, sql, args=None):
    with c.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def run(c, sql, args=None):
    with c.cursor() as cur:
        cur.execute(sql, args)
        return cur.statusmessage


def sqlstate_of(c, sql, args=None):
    with pytest.raises(psycopg2.Error) as e:
        run(c, sql, args)
    return e.value


class Background:
    """Runs fn() in a thread; join() returns its result or re-raises its error."""

    def __init__(self, fn):
        self.result, self.error = None, None

        def body():
            try:
                self.result = fn()
            except BaseException as e:  # noqa: BLE001 - handed to join()
                self.error = e

        self.thread = threading.Thread(target=body, daemon=True)
        self.thread.start()

    def join(self, timeout=60):
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the statement never finished"
        if self.error is not None:
            raise self.error
        return self.result


# ---------------------------------------------------------------------------
# 1. psycopg2's default (non-autocommit) mode


def test_default_mode_begins_implicitly_and_commit_publishes(server):
    c, other = connect(server), connect(server, autocommit=True)
    run(other, "CREATE TABLE kv (k int PRIMARY KEY, v text)")
    assert c.status == ext.STATUS_READY
    assert c.info.transaction_status == ext.TRANSACTION_STATUS_IDLE
    cur = c.cursor()
    cur.execute("INSERT INTO kv VALUES (1, 'one'), (2, 'two')")
    assert cur.rowcount == 2 and cur.statusmessage == "INSERT 0 2"
    assert c.status == ext.STATUS_BEGIN
    assert c.info.transaction_status == ext.TRANSACTION_STATUS_INTRANS
    cur.execute("SELECT v FROM kv ORDER BY k")  # the transaction sees its own rows
    assert cur.fetchall() == [("one",), ("two",)]
    assert rows(other, "SELECT count(*) FROM kv") == [(0,)]  # nobody else does
    c.commit()
    assert c.status == ext.STATUS_READY
    assert c.info.transaction_status == ext.TRANSACTION_STATUS_IDLE
    assert rows(other, "SELECT k, v FROM kv ORDER BY k") == [(1, "one"), (2, "two")]

    cur.execute("UPDATE kv SET v = 'changed' WHERE k = 1")
    cur.execute("DELETE FROM kv WHERE k = 2")
    cur.execute("INSERT INTO kv VALUES (3, 'three')")
    c.rollback()
    assert c.info.transaction_status == ext.TRANSACTION_STATUS_IDLE
    assert rows(c, "SELECT k, v FROM kv ORDER BY k") == [(1, "one"), (2, "two")]
    c.commit()
    c.close()
    other.close()


def test_connection_context_manager_commits_or_rolls_back(server):
    c = connect(server)
    run(c, "CREATE TABLE cm (id int PRIMARY KEY)")
    c.commit()
    with c:
        run(c, "INSERT INTO cm VALUES (1)")
    assert c.info.transaction_status == ext.TRANSACTION_STATUS_IDLE
    with pytest.raises(ZeroDivisionError):
        with c:
            run(c, "INSERT INTO cm VALUES (2)")
            raise ZeroDivisionError
    assert c.info.transaction_status == ext.TRANSACTION_STATUS_IDLE
    with c:
        assert rows(c, "SELECT id FROM cm ORDER BY id") == [(1,)]
    c.close()


def test_error_in_default_mode_aborts_until_rollback(server):
    c = connect(server)
    run(c, "CREATE TABLE ab (id int PRIMARY KEY)")
    c.commit()
    run(c, "INSERT INTO ab VALUES (1)")
    run(c, "INSERT INTO ab VALUES (2)")
    assert sqlstate_of(c, "INSERT INTO ab VALUES (1)").pgcode == "23505"
    assert c.info.transaction_status == ext.TRANSACTION_STATUS_INERROR
    assert sqlstate_of(c, "SELECT count(*) FROM ab").pgcode == "25P02"
    c.commit()  # COMMIT of a failed block is a rollback
    assert c.info.transaction_status == ext.TRANSACTION_STATUS_IDLE
    assert rows(c, "SELECT count(*) FROM ab") == [(0,)]
    c.rollback()
    run(c, "INSERT INTO ab VALUES (1)")
    c.commit()
    assert rows(c, "SELECT id FROM ab") == [(1,)]
    c.close()


def test_isolation_level_and_read_only_are_refused_not_ignored(server):
    """psycopg2's set_session sends BEGIN ISOLATION LEVEL / READ ONLY: refusing
    them is fine, silently running READ COMMITTED read-write would not be."""
    c = connect(server)
    run(c, "CREATE TABLE ro (id int)")
    c.commit()
    c.set_session(readonly=True)
    with pytest.raises(psycopg2.Error) as e:
        run(c, "INSERT INTO ro VALUES (1)")
    assert e.value.pgcode in ("0A000", "25006")
    c.rollback()
    c.set_session(readonly=False, isolation_level="REPEATABLE READ")
    other = connect(server, autocommit=True)
    try:
        first = rows(c, "SELECT count(*) FROM ro")
    except psycopg2.Error as err:
        assert err.pgcode == "0A000"
    else:  # if accepted, it must keep one snapshot for the whole transaction
        run(other, "INSERT INTO ro VALUES (1)")
        assert rows(c, "SELECT count(*) FROM ro") == first
        run(other, "DELETE FROM ro")
    c.rollback()
    other.close()
    c.set_session(isolation_level="DEFAULT", readonly="DEFAULT")
    assert rows(c, "SELECT count(*) FROM ro") == [(0,)]
    c.close()


# ---------------------------------------------------------------------------
# 2. Graceful restart

TYPED_TABLE = """CREATE TABLE typed (
    id bigint PRIMARY KEY, b bool, s smallint, i integer, r real, d double precision,
    t text, v varchar(8), c char(4) NOT NULL)"""
TYPED_ROWS = [
    (-9223372036854775808, True, -32768, -2147483648, 3.4028235e38, 1.7976931348623157e308, "", "", ""),
    (9223372036854775807, False, 32767, 2147483647, -1.17549435e-38, 5e-324, "é\n\t'\"\\ 😀", "abcdefgh", "abcd"),
    (0, None, None, None, None, None, None, None, "x"),
    (1, True, 0, 0, float("inf"), float("-inf"), "x", "ü", "ü"),
    (2, False, 1, -1, 1.5, -2.25, "y", "a  ", "a "),
]
TYPED_EXPECTED = sorted([
    (-9223372036854775808, True, -32768, -2147483648, 3.4028235e38, 1.7976931348623157e308, "", "", "    "),
    (9223372036854775807, False, 32767, 2147483647, -1.1754944e-38, 5e-324, "é\n\t'\"\\ 😀", "abcdefgh", "abcd"),
    (0, None, None, None, None, None, None, None, "x   "),
    (1, True, 0, 0, float("inf"), float("-inf"), "x", "ü", "ü   "),
    (2, False, 1, -1, 1.5, -2.25, "y", "a  ", "a   "),
])
TYPED_OIDS = [20, 16, 21, 23, 700, 701, 25, 1043, 1042]


def check_typed(c):
    with c.cursor() as cur:
        cur.execute("SELECT * FROM typed ORDER BY id")
        assert cur.fetchall() == TYPED_EXPECTED
        assert [d.name for d in cur.description] == ["id", "b", "s", "i", "r", "d", "t", "v", "c"]
        assert [d.type_code for d in cur.description] == TYPED_OIDS
        assert [d.internal_size for d in cur.description][-2:] == [8, 4]  # the typmods of varchar(8), char(4)
        cur.execute("SELECT r::text, d::text FROM typed WHERE id = 1")
        assert cur.fetchall() == [("Infinity", "-Infinity")]
        cur.execute("SELECT count(*), sum(i), min(s), max(d), count(b) FROM typed")
        assert cur.fetchall() == [(5, -2, -32768, 1.7976931348623157e308, 4)]


def test_schema_and_rows_survive_graceful_restart(server):
    c = connect(server)
    run(c, TYPED_TABLE)
    c.cursor().executemany("INSERT INTO typed VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", TYPED_ROWS)
    run(c, "CREATE TABLE nopk (a int, b text)")  # rows keyed by hidden row ids
    run(c, "INSERT INTO nopk VALUES (1, 'a'), (1, 'a'), (2, NULL)")
    run(c, "CREATE TABLE gone (id int)")
    run(c, "INSERT INTO gone VALUES (1)")
    c.commit()
    run(c, "DROP TABLE gone")
    run(c, "CREATE TABLE gone (other text PRIMARY KEY)")  # a new table under the dropped one's name
    run(c, "INSERT INTO gone VALUES ('new')")
    c.commit()
    run(c, "INSERT INTO nopk VALUES (99, 'never committed')")
    run(c, "CREATE TABLE uncommitted (id int)")
    check_typed(c)
    c.close()  # without commit: the open transaction is rolled back

    server.restart()
    c = connect(server, autocommit=True)
    check_typed(c)
    assert rows(c, "SELECT a, b FROM nopk ORDER BY a") == [(1, "a"), (1, "a"), (2, None)]
    assert rows(c, "SELECT * FROM gone") == [("new",)]
    assert sqlstate_of(c, "SELECT * FROM uncommitted").pgcode == "42P01"
    # the schema is enforced after the restart: key, NOT NULL, varchar length
    assert sqlstate_of(c, "INSERT INTO typed (id, c) VALUES (0, 'z')").pgcode == "23505"
    assert sqlstate_of(c, "INSERT INTO typed (id) VALUES (5)").pgcode == "23502"
    assert sqlstate_of(c, "INSERT INTO typed (id, c, v) VALUES (5, 'z', 'ninechars')").pgcode == "22001"
    # new hidden row ids do not collide with the ones used before the restart
    run(c, "INSERT INTO nopk VALUES (3, 'c'), (4, 'd')")
    assert rows(c, "SELECT count(*), sum(a) FROM nopk") == [(5, 11)]
    run(c, "UPDATE typed SET t = 'after' WHERE id = 0")
    c.close()

    server.restart()
    c = connect(server, autocommit=True)
    assert rows(c, "SELECT count(*), sum(a) FROM nopk") == [(5, 11)]
    assert rows(c, "SELECT t FROM typed WHERE id = 0") == [("after",)]
    c.close()


# ---------------------------------------------------------------------------
# 3. kill -9


def test_every_acknowledged_commit_survives_kill_9(server):
    setup = connect(server, autocommit=True)
    run(setup, "CREATE TABLE j1 (id int PRIMARY KEY, pad text)")
    run(setup, "CREATE TABLE j2 (id int PRIMARY KEY)")
    run(setup, "CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)")
    run(setup, "INSERT INTO counter VALUES (1, 0)")
    setup.close()

    c = connect(server)
    acked = []
    pending = [None]
    stop = threading.Event()

    def writer():
        cur = c.cursor()
        i = 0
        try:
            while not stop.is_set():
                pending[0] = i
                # one transaction writes three tables: after the crash all or none
                cur.execute("INSERT INTO j1 VALUES (%s, %s)", (i, "p" * 200))
                cur.execute("INSERT INTO j2 VALUES (%s)", (i,))
                cur.execute("UPDATE counter SET n = n + 1 WHERE id = 1")
                c.commit()
                acked.append(i)
                i += 1
        except psycopg2.Error:
            pass  # the server died under us

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    deadline = time.time() + 60
    while len(acked) < 300 and t.is_alive() and time.time() < deadline:
        time.sleep(0.01)
    assert len(acked) >= 300, "the writer did not get far enough"
    assert server.kill() == -9
    stop.set()
    t.join(30)
    assert not t.is_alive()
    c.close()

    server.start()
    c = connect(server, autocommit=True)
    j1 = [r[0] for r in rows(c, "SELECT id FROM j1 ORDER BY id")]
    j2 = [r[0] for r in rows(c, "SELECT id FROM j2 ORDER BY id")]
    (n,), = rows(c, "SELECT n FROM counter")
    assert j1 == j2
    assert n == len(j1)
    # every acknowledged commit is there; at most the one in flight at the kill is too
    assert j1[:len(acked)] == acked
    assert j1 in (acked, acked + [pending[0]])
    assert rows(c, "SELECT DISTINCT pad FROM j1") == [("p" * 200,)]
    c.close()


def test_uncommitted_transaction_is_gone_after_kill_9(server):
    c = connect(server)
    run(c, "CREATE TABLE u (id int PRIMARY KEY)")
    run(c, "INSERT INTO u VALUES (1)")
    c.commit()
    run(c, "INSERT INTO u VALUES (2)")
    run(c, "DELETE FROM u WHERE id = 1")
    run(c, "CREATE TABLE u2 (id int)")
    server.kill()
    c.close()
    server.start()
    c = connect(server, autocommit=True)
    assert rows(c, "SELECT id FROM u") == [(1,)]
    assert sqlstate_of(c, "SELECT * FROM u2").pgcode == "42P01"
    c.close()


def test_graceful_restart_with_a_session_idle_in_transaction(server):
    c = connect(server)
    run(c, "CREATE TABLE idle (id int PRIMARY KEY)")
    run(c, "INSERT INTO idle VALUES (1)")
    c.commit()
    run(c, "INSERT INTO idle VALUES (2)")
    run(c, "UPDATE idle SET id = 10 WHERE id = 1")
    assert c.info.transaction_status == ext.TRANSACTION_STATUS_INTRANS
    server.restart()
    with pytest.raises(psycopg2.OperationalError):
        run(c, "COMMIT")  # the connection is gone, and so is its transaction
    c.close()
    c = connect(server, autocommit=True)
    assert rows(c, "SELECT id FROM idle") == [(1,)]
    run(c, "UPDATE idle SET id = 10 WHERE id = 1")  # no lock left behind
    assert rows(c, "SELECT id FROM idle") == [(10,)]
    c.close()


# ---------------------------------------------------------------------------
# 4. Two sessions
#
# Each test opens its two sessions one right after the other. Statements run on
# the SQL thread pool, so a statement waiting for a row lock does not hold up
# the other session's COMMIT (were they to share a blocked shard thread, the
# lost-update test below would still pass, through 55P03 retries).


def two_sessions(server):
    return connect(server), connect(server)


def test_concurrent_increments_lose_no_update(server):
    setup = connect(server, autocommit=True)
    run(setup, "CREATE TABLE acct (id int PRIMARY KEY, bal bigint NOT NULL)")
    run(setup, "INSERT INTO acct VALUES (1, 0), (2, 0)")
    setup.close()
    sessions = two_sessions(server)
    retries = [[], []]

    def work(k):
        c = sessions[k]
        cur = c.cursor()
        done = 0
        while done < 50:
            try:
                cur.execute("UPDATE acct SET bal = bal + 1 WHERE id = 1")
                assert cur.rowcount == 1
                c.commit()
                done += 1
            except psycopg2.Error as e:
                retries[k].append(e.pgcode)
                c.rollback()
                assert len(retries[k]) < 200, retries[k][-5:]
        return done

    workers = [Background(lambda k=k: work(k)) for k in range(2)]
    assert [w.join(300) for w in workers] == [50, 50]
    assert set(retries[0] + retries[1]) <= {"55P03", "40001", "40P01"}, retries
    c = connect(server, autocommit=True)
    assert rows(c, "SELECT id, bal FROM acct ORDER BY id") == [(1, 100), (2, 0)]
    for s in list(sessions) + [c]:
        s.close()


def test_uncommitted_insert_is_invisible_to_another_session(server):
    a, b = two_sessions(server)
    run(a, "CREATE TABLE vis (id int PRIMARY KEY, v text)")
    a.commit()
    run(a, "INSERT INTO vis VALUES (1, 'a')")
    assert rows(b, "SELECT count(*) FROM vis") == [(0,)]  # b has its own transaction now
    run(a, "UPDATE vis SET v = 'a2' WHERE id = 1")
    assert rows(b, "SELECT * FROM vis") == []
    a.commit()
    # READ COMMITTED: b's next statement, same transaction, sees the commit
    assert b.info.transaction_status == ext.TRANSACTION_STATUS_INTRANS
    assert rows(b, "SELECT id, v FROM vis") == [(1, "a2")]
    b.commit()
    run(a, "DELETE FROM vis WHERE id = 1")
    assert rows(b, "SELECT id FROM vis") == [(1,)]
    a.rollback()
    assert rows(b, "SELECT id FROM vis") == [(1,)]
    b.commit()
    a.close()
    b.close()


def test_ddl_is_transactional_across_sessions(server):
    a, b = two_sessions(server)
    run(a, "CREATE TABLE ddl_t (id int PRIMARY KEY)")
    run(a, "INSERT INTO ddl_t VALUES (1)")
    assert rows(a, "SELECT id FROM ddl_t") == [(1,)]
    e = sqlstate_of(b, "SELECT * FROM ddl_t")
    assert e.pgcode == "42P01"
    b.rollback()
    a.rollback()
    for c in (a, b):
        assert sqlstate_of(c, "SELECT * FROM ddl_t").pgcode == "42P01"
        c.rollback()
    # the name is free again, and a committed CREATE is seen by the other session
    run(a, "CREATE TABLE ddl_t (v text)")
    a.commit()
    assert rows(b, "SELECT * FROM ddl_t") == []
    b.commit()
    # an uncommitted DROP leaves the table to others; after rollback it is still there
    run(a, "INSERT INTO ddl_t VALUES ('kept')")
    a.commit()
    run(a, "DROP TABLE ddl_t")
    assert sqlstate_of(a, "SELECT * FROM ddl_t").pgcode == "42P01"
    a.rollback()
    assert rows(b, "SELECT v FROM ddl_t") == [("kept",)]
    b.commit()
    # a committed DROP is final for everyone
    run(a, "DROP TABLE ddl_t")
    a.commit()
    assert sqlstate_of(b, "SELECT * FROM ddl_t").pgcode == "42P01"
    b.rollback()
    a.close()
    b.close()


@pytest.fixture
def patient_server(make_server):
    """Lock waits of up to 30 s, so the blocked statements below wait for the
    other session's COMMIT/ROLLBACK instead of timing out."""
    return make_server(args=["--lock-timeout-ms", "30000"]).start()


def test_update_rechecks_where_on_the_row_it_waited_for(patient_server):
    a, b = two_sessions(patient_server)
    b.autocommit = True
    run(a, "CREATE TABLE epq (id int PRIMARY KEY, bal int NOT NULL)")
    run(a, "INSERT INTO epq VALUES (1, 0), (2, 0), (3, 0)")
    a.commit()
    run(a, "UPDATE epq SET bal = bal + 10 WHERE id IN (1, 2)")
    run(a, "DELETE FROM epq WHERE id = 3")
    # Each of these waits for a's row locks (or, if it starts later, sees a's
    # commit); either way it must act on the committed rows, as PostgreSQL does.
    doubled = Background(lambda: rows(b, "UPDATE epq SET bal = bal * 2 WHERE id = 1 RETURNING bal"))
    time.sleep(0.2)
    a.commit()
    assert doubled.join() == [(20,)]  # not 0: the update started from the committed 10

    run(a, "UPDATE epq SET bal = 100 WHERE id = 2")
    stale = Background(lambda: run(b, "UPDATE epq SET bal = -1 WHERE id = 2 AND bal = 10"))
    time.sleep(0.2)
    a.commit()
    assert stale.join() == "UPDATE 0"  # WHERE no longer holds on the new version

    run(a, "DELETE FROM epq WHERE id = 2")
    deleted = Background(lambda: rows(b, "UPDATE epq SET bal = 5 WHERE id = 2 RETURNING id"))
    time.sleep(0.2)
    a.commit()
    assert deleted.join() == []
    assert rows(b, "SELECT id, bal FROM epq ORDER BY id") == [(1, 20)]
    a.close()
    b.close()


def test_concurrent_insert_of_the_same_key_waits_for_the_outcome(patient_server):
    a, b = two_sessions(patient_server)
    b.autocommit = True
    run(a, "CREATE TABLE pk (id int PRIMARY KEY, who text)")
    a.commit()

    run(a, "INSERT INTO pk VALUES (1, 'a')")
    dup = Background(lambda: run(b, "INSERT INTO pk VALUES (1, 'b')"))
    time.sleep(0.2)
    a.commit()
    with pytest.raises(psycopg2.Error) as e:
        dup.join()
    assert e.value.pgcode == "23505"

    run(a, "INSERT INTO pk VALUES (2, 'a')")
    nothing = Background(lambda: run(b, "INSERT INTO pk VALUES (2, 'b') ON CONFLICT DO NOTHING"))
    time.sleep(0.2)
    a.commit()
    assert nothing.join() == "INSERT 0 0"

    run(a, "INSERT INTO pk VALUES (3, 'a')")
    wins = Background(lambda: run(b, "INSERT INTO pk VALUES (3, 'b')"))
    time.sleep(0.2)
    a.rollback()
    assert wins.join() == "INSERT 0 1"
    assert rows(b, "SELECT id, who FROM pk ORDER BY id") == [(1, "a"), (2, "a"), (3, "b")]
    a.close()
    b.close()


def test_row_lock_timeout_is_55P03_and_the_session_recovers(make_server):
    server = make_server(args=["--lock-timeout-ms", "100"]).start()
    a, b = two_sessions(server)
    run(a, "CREATE TABLE lt (id int PRIMARY KEY, v int)")
    run(a, "INSERT INTO lt VALUES (1, 0)")
    a.commit()
    run(a, "UPDATE lt SET v = 1 WHERE id = 1")
    e = sqlstate_of(b, "UPDATE lt SET v = 2 WHERE id = 1")
    assert e.pgcode == "55P03"
    assert b.info.transaction_status == ext.TRANSACTION_STATUS_INERROR
    b.rollback()
    a.commit()
    assert run(b, "UPDATE lt SET v = v + 10 WHERE id = 1") == "UPDATE 1"
    b.commit()
    assert rows(a, "SELECT v FROM lt") == [(11,)]
    a.close()
    b.close()


def test_deadlock_ends_one_transaction_and_the_other_commits(server):
    a, b = two_sessions(server)
    run(a, "CREATE TABLE dl (id int PRIMARY KEY, v int NOT NULL)")
    run(a, "INSERT INTO dl VALUES (1, 0), (2, 0)")
    a.commit()
    run(a, "UPDATE dl SET v = v + 1 WHERE id = 1")
    run(b, "UPDATE dl SET v = v + 10 WHERE id = 2")

    def cross(c, sql):
        try:
            run(c, sql)
            c.commit()
            return "committed"
        except psycopg2.Error as e:
            c.rollback()
            return e.pgcode

    ta = Background(lambda: cross(a, "UPDATE dl SET v = v + 1 WHERE id = 2"))
    tb = Background(lambda: cross(b, "UPDATE dl SET v = v + 10 WHERE id = 1"))
    outcome = sorted([ta.join(), tb.join()])
    assert outcome[0] in ("40P01", "55P03"), outcome
    expected = {"a": [(1, 1), (2, 1)], "b": [(1, 10), (2, 10)], None: [(1, 0), (2, 0)]}
    winner = None if outcome[1] != "committed" else ("a" if ta.result == "committed" else "b")
    assert rows(a, "SELECT id, v FROM dl ORDER BY id") == expected[winner]  # all of one transaction or nothing
    a.commit()
    a.close()
    b.close()


def test_disconnect_releases_row_locks(patient_server):
    a, b = two_sessions(patient_server)
    b.autocommit = True
    run(a, "CREATE TABLE rel (id int PRIMARY KEY, v text)")
    run(a, "INSERT INTO rel VALUES (1, 'x')")
    a.commit()
    run(a, "UPDATE rel SET v = 'a' WHERE id = 1")
    run(a, "INSERT INTO rel VALUES (2, 'a')")
    a.close()  # idle in transaction, then gone: rolled back, locks released
    assert run(b, "UPDATE rel SET v = 'b' WHERE id = 1") == "UPDATE 1"
    assert run(b, "INSERT INTO rel VALUES (2, 'b')") == "INSERT 0 1"
    assert rows(b, "SELECT id, v FROM rel ORDER BY id") == [(1, "b"), (2, "b")]
    b.close()


def test_concurrent_ddl_waits_for_the_other_transaction(patient_server):
    a, b = two_sessions(patient_server)
    b.autocommit = True
    run(a, "CREATE TABLE d1 (id int)")
    same = Background(lambda: run(b, "CREATE TABLE d1 (other text)"))
    time.sleep(0.2)
    a.commit()
    with pytest.raises(psycopg2.Error) as e:
        same.join()
    assert e.value.pgcode == "42P07"

    run(a, "CREATE TABLE d2 (id int)")
    retry = Background(lambda: run(b, "CREATE TABLE d2 (other text)"))
    time.sleep(0.2)
    a.rollback()
    assert retry.join() == "CREATE TABLE"
    with b.cursor() as cur:
        cur.execute("SELECT * FROM d2")
        assert [d.name for d in cur.description] == ["other"]

    run(a, "DROP TABLE d1")
    insert = Background(lambda: run(b, "CREATE TABLE d3 (id int); INSERT INTO d3 VALUES (1)"))
    time.sleep(0.2)
    a.commit()
    assert insert.join() == "INSERT 0 1"
    assert sqlstate_of(b, "SELECT * FROM d1").pgcode == "42P01"
    assert rows(b, "SELECT * FROM d3") == [(1,)]
    a.close()
    b.close()


# ---------------------------------------------------------------------------
# 5. Errors: fields, and the connection stays usable


def test_constraint_errors_carry_postgres_fields(conn):
    run(conn, "CREATE TABLE people (id int PRIMARY KEY, name text NOT NULL, age smallint)")
    run(conn, "INSERT INTO people VALUES (1, 'ann', 30)")

    e = sqlstate_of(conn, "INSERT INTO people VALUES (1, 'bob', 40)")
    assert e.pgcode == "23505"
    assert e.diag.severity == "ERROR"
    assert e.diag.message_primary == 'duplicate key value violates unique constraint "people_pkey"'
    assert e.diag.message_detail == "Key (id)=(1) already exists."
    assert "DETAIL:  Key (id)=(1) already exists." in e.pgerror

    e = sqlstate_of(conn, "INSERT INTO people (id, age) VALUES (2, 7)")
    assert e.pgcode == "23502"
    assert e.diag.message_primary == 'null value in column "name" of relation "people" violates not-null constraint'
    assert e.diag.message_detail == "Failing row contains (2, null, 7)."

    e = sqlstate_of(conn, "UPDATE people SET name = NULL WHERE id = 1")
    assert e.pgcode == "23502"
    assert e.diag.message_detail == "Failing row contains (1, null, 30)."

    run(conn, "INSERT INTO people VALUES (2, 'bob', 40)")
    e = sqlstate_of(conn, "UPDATE people SET id = 1 WHERE id = 2")
    assert e.pgcode == "23505" and e.diag.message_detail == "Key (id)=(1) already exists."

    run(conn, "CREATE TABLE pair (a int, b text, PRIMARY KEY (a, b))")
    run(conn, "INSERT INTO pair VALUES (1, 'x y')")
    e = sqlstate_of(conn, "INSERT INTO pair VALUES (1, 'x y')")
    assert e.diag.message_detail == "Key (a, b)=(1, x y) already exists."
    assert rows(conn, "SELECT id, name, age FROM people ORDER BY id") == [(1, "ann", 30), (2, "bob", 40)]


def test_name_errors_point_at_the_name(conn):
    run(conn, "CREATE TABLE here (id int)")
    sql = "SELECT 'é' AS x,  * FROM nosuch"
    e = sqlstate_of(conn, sql)
    assert e.pgcode == "42P01"
    assert e.diag.message_primary == 'relation "nosuch" does not exist'
    assert int(e.diag.statement_position) == sql.index("nosuch") + 1  # characters, not bytes
    assert "LINE 1: " + sql in e.pgerror
    assert e.pgerror.rstrip("\n").endswith(" " * (len("LINE 1: ") + sql.index("nosuch")) + "^")

    for sql, state, name in [("SELECT id, nope FROM here", "42703", "nope"),
                             ("UPDATE here SET nope = 1", "42703", "nope"),
                             ("DELETE FROM nosuch WHERE id = 1", "42P01", "nosuch"),
                             ("INSERT INTO nosuch VALUES (1)", "42P01", "nosuch"),
                             ("INSERT INTO here VALUES ('abc')", "22P02", "'abc'")]:
        e = sqlstate_of(conn, sql)
        assert e.pgcode == state, sql
        assert int(e.diag.statement_position) == sql.index(name) + 1, sql
    e = sqlstate_of(conn, "CREATE TABLE here (id int)")
    assert e.pgcode == "42P07" and e.diag.message_primary == 'relation "here" already exists'
    e = sqlstate_of(conn, "DROP TABLE nosuch")
    assert e.pgcode == "42P01" and e.diag.message_primary == 'table "nosuch" does not exist'
    assert rows(conn, "SELECT count(*) FROM here") == [(0,)]


def test_bad_literal_in_where_points_at_the_literal(conn):
    run(conn, "CREATE TABLE here (id int)")
    sql = "SELECT id FROM here WHERE id = 'abc'"
    e = sqlstate_of(conn, sql)
    assert e.pgcode == "22P02"
    assert int(e.diag.statement_position) == sql.index("'abc'") + 1


def test_errors_in_a_multi_statement_string_undo_the_whole_string(conn):
    run(conn, "CREATE TABLE ms (id int PRIMARY KEY)")
    e = sqlstate_of(conn, "INSERT INTO ms VALUES (1); INSERT INTO ms VALUES (2); INSERT INTO ms VALUES (1)")
    assert e.pgcode == "23505"
    assert rows(conn, "SELECT count(*) FROM ms") == [(0,)]  # one implicit transaction
    assert conn.info.transaction_status == ext.TRANSACTION_STATUS_IDLE
    run(conn, "INSERT INTO ms VALUES (1); INSERT INTO ms VALUES (2)")
    assert rows(conn, "SELECT id FROM ms ORDER BY id") == [(1,), (2,)]


# ---------------------------------------------------------------------------
# 6. Results larger than one batch (1024 rows)

N_BIG = 5000


@pytest.fixture
def big(conn):
    run(conn, "CREATE TABLE big (id int PRIMARY KEY, v text NOT NULL, g smallint)")
    for start in range(0, N_BIG, 1000):
        values = ", ".join(f"({i}, 'v{i:05d}', {i % 7})" for i in range(start, start + 1000))
        assert run(conn, "INSERT INTO big VALUES " + values) == "INSERT 0 1000"
    return conn


def test_select_returns_every_row_of_several_batches(big):
    assert rows(big, "SELECT id, v FROM big ORDER BY id") == [(i, f"v{i:05d}") for i in range(N_BIG)]
    assert rows(big, "SELECT id FROM big ORDER BY id DESC") == [(i,) for i in reversed(range(N_BIG))]
    assert sorted(rows(big, "SELECT id FROM big")) == [(i,) for i in range(N_BIG)]  # a plain scan too
    assert rows(big, "SELECT id FROM big WHERE g = 3 ORDER BY id") == [(i,) for i in range(N_BIG) if i % 7 == 3]
    with big.cursor() as cur:
        cur.execute("SELECT id, v, g FROM big ORDER BY v")
        assert cur.rowcount == N_BIG and cur.statusmessage == f"SELECT {N_BIG}"
        got = cur.fetchmany(1500) + cur.fetchmany(1500) + cur.fetchall()
        assert got == [(i, f"v{i:05d}", i % 7) for i in range(N_BIG)]


@pytest.mark.parametrize("limit,offset", [(10, 1020), (2, 1023), (1, 1024), (3, 2047), (3000, 1000),
                                          (1025, 0), (100, 4950), (None, 3071), (0, 1000), (10, 5000)])
def test_limit_offset_across_batch_boundaries(big, limit, offset):
    ids = list(range(N_BIG))
    expected = [(i,) for i in ids[offset:None if limit is None else offset + limit]]
    sql = "SELECT id FROM big ORDER BY id" + ("" if limit is None else f" LIMIT {limit}") + f" OFFSET {offset}"
    assert rows(big, sql) == expected
    # without ORDER BY the rows are some subset of the right size
    got = rows(big, sql.replace(" ORDER BY id", ""))
    assert len(got) == len(expected) and len(set(got)) == len(got)


def test_aggregates_and_writes_over_several_batches(big):
    assert rows(big, "SELECT count(*), sum(id), min(v), max(v), avg(g) FROM big")[0][:4] == \
        (N_BIG, sum(range(N_BIG)), "v00000", f"v{N_BIG - 1:05d}")
    expected = sorted((g, len([i for i in range(N_BIG) if i % 7 == g]), sum(i for i in range(N_BIG) if i % 7 == g))
                      for g in range(7))
    assert rows(big, "SELECT g, count(*), sum(id) FROM big GROUP BY g ORDER BY g") == expected
    assert rows(big, "SELECT DISTINCT g FROM big ORDER BY g") == [(g,) for g in range(7)]
    assert rows(big, "SELECT g FROM big GROUP BY g HAVING count(*) > 714 ORDER BY g") == [(0,), (1,)]

    assert sorted(rows(big, "UPDATE big SET g = g + 100 WHERE id >= 1000 RETURNING id")) == \
        [(i,) for i in range(1000, N_BIG)]
    assert sorted(rows(big, "DELETE FROM big WHERE id % 2 = 0 RETURNING id")) == \
        [(i,) for i in range(0, N_BIG, 2)]
    assert run(big, "INSERT INTO big SELECT id + 10000, v, g FROM big") == f"INSERT 0 {N_BIG // 2}"
    assert run(big, "INSERT INTO big SELECT id, v, g FROM big ON CONFLICT DO NOTHING") == "INSERT 0 0"
    assert rows(big, "SELECT count(*) FROM big") == [(N_BIG,)]
    assert rows(big, "SELECT count(*) FROM big WHERE g >= 100") == [(2 * len(range(1001, N_BIG, 2)),)]


def test_a_statement_failing_after_several_batches_changes_nothing(big):
    before = rows(big, "SELECT count(*), sum(g), sum(id) FROM big")
    for sql in ["UPDATE big SET g = 1 / (id - 3000)",  # fails on the third batch
                "UPDATE big SET v = CASE WHEN id < 4000 THEN 'x' END RETURNING id",  # 23502 on the fourth
                "DELETE FROM big WHERE 1 / (id - 4500) <> 7",
                "INSERT INTO big SELECT id + 10000, v, 1 / (id - 3000) FROM big",
                "INSERT INTO big SELECT 8999 - id, v, g FROM big"]:  # 23505 after 4,000 new rows
        with pytest.raises(psycopg2.Error):
            run(big, sql)
        assert rows(big, "SELECT count(*), sum(g), sum(id) FROM big") == before, sql
    assert big.info.transaction_status == ext.TRANSACTION_STATUS_IDLE


def test_large_rows_stream_in_full(conn):
    run(conn, "CREATE TABLE wide_rows (id int PRIMARY KEY, payload text)")
    pad = "x" * 2000
    with conn.cursor() as cur:
        for start in range(0, 3000, 500):
            cur.execute("INSERT INTO wide_rows VALUES " +
                        ", ".join(f"({i}, '{i}{pad}')" for i in range(start, start + 500)))
    got = rows(conn, "SELECT id, payload FROM wide_rows ORDER BY id")
    assert got == [(i, f"{i}{pad}") for i in range(3000)]  # about 6 MB in one result


# ---------------------------------------------------------------------------
# 7. psql


def psql(server, *args, input=None):
    return subprocess.run(["/usr/bin/psql", "-X", "-h", "127.0.0.1", "-p", str(server.port("pg")),
                           "-U", "postgres", "-d", "postgres", *args],
                          capture_output=True, text=True, timeout=60, input=input,
                          env=dict(os.environ, PGCLIENTENCODING="UTF8", PAGER="", PGTZ="UTC"))


def test_psql_script_output(server):
    out = psql(server,
               "-c", "DROP TABLE IF EXISTS x",
               "-c", "CREATE TABLE items (id int PRIMARY KEY, name varchar(10), price double precision, "
                     "qty smallint, ok bool)",
               "-c", "INSERT INTO items VALUES (1, 'apple', 1.5, 3, true), (2, 'pear', NULL, 0, false), "
                     "(3, 'fig', 0.1, -2, NULL)",
               "-c", "UPDATE items SET qty = qty + 1 WHERE id <> 2 RETURNING id, qty",
               "-c", "SELECT * FROM items ORDER BY id",
               "-c", "SELECT count(*) AS n, sum(qty) FROM items",
               "-c", "DELETE FROM items WHERE ok")
    assert out.returncode == 0, out.stderr
    assert out.stdout == """DROP TABLE
CREATE TABLE
INSERT 0 3
 id | qty 
----+-----
  1 |   4
  3 |  -1
(2 rows)

UPDATE 2
 id | name  | price | qty | ok 
----+-------+-------+-----+----
  1 | apple |   1.5 |   4 | t
  2 | pear  |       |   0 | f
  3 | fig   |   0.1 |  -1 | 
(3 rows)

 n | sum 
---+-----
 3 |   3
(1 row)

DELETE 1
"""
    assert out.stderr == 'NOTICE:  table "x" does not exist, skipping\n'


def test_psql_file_in_one_transaction_rolls_back_on_error(server, tmp_path):
    script = tmp_path / "load.sql"
    script.write_text("CREATE TABLE loaded (id int PRIMARY KEY, t text);\n"
                      "INSERT INTO loaded VALUES (1, 'one');\n"
                      "INSERT INTO loaded VALUES (1, 'again');\n"
                      "INSERT INTO loaded VALUES (2, 'two');\n")
    out = psql(server, "-1", "-v", "ON_ERROR_STOP=1", "-f", str(script))
    assert out.returncode == 3
    assert f"psql:{script}:3: ERROR:  duplicate key value violates unique constraint \"loaded_pkey\"" in out.stderr
    assert "DETAIL:  Key (id)=(1) already exists." in out.stderr
    out = psql(server, "-At", "-c", "SELECT count(*) FROM loaded")
    assert out.returncode == 1 and 'relation "loaded" does not exist' in out.stderr

    script.write_text("CREATE TABLE loaded (id int PRIMARY KEY, t text);\n"
                      "INSERT INTO loaded VALUES (1, 'tab\there'), (2, 'ünï');\n"
                      "SELECT id, t FROM loaded ORDER BY id;\n", encoding="utf-8")
    out = psql(server, "-1", "-v", "ON_ERROR_STOP=1", "-At", "-f", str(script))
    assert out.returncode == 0, out.stderr
    assert out.stdout == "CREATE TABLE\nINSERT 0 2\n1|tab\there\n2|ünï\n"
    assert psql(server, "-At", "-c", "SELECT count(*) FROM loaded").stdout == "2\n"


def test_psql_reports_errors_with_position(server):
    out = psql(server, "-c", "CREATE TABLE p (id int)", "-c", "SELECT id FROM p WHERE nope = 1")
    assert out.returncode == 1
    assert out.stderr == ('ERROR:  column "nope" does not exist\n'
                          "LINE 1: SELECT id FROM p WHERE nope = 1\n"
                          "                               ^\n")


# ---------------------------------------------------------------------------
# 8. Malformed and hostile SQL


def test_deep_nesting_against_tables_is_refused(conn):
    run(conn, "CREATE TABLE deep (id int PRIMARY KEY, t text)")
    run(conn, "INSERT INTO deep VALUES (1, 'x')")
    hostile = [
        "SELECT * FROM deep WHERE " + "(" * 5000 + "id = 1" + ")" * 5000,
        "SELECT * FROM deep WHERE " + "NOT " * 6000 + "true",
        "INSERT INTO deep VALUES (" + "(" * 5000 + "2" + ")" * 5000 + ", 'y')",
        "UPDATE deep SET t = " + "(" * 5000 + "'z'" + ")" * 5000,
        "UPDATE deep SET id = id" + " + 1" * 20000,
        "DELETE FROM deep WHERE " + "id = 1 AND (" * 3000 + "true" + ")" * 3000,
        "SELECT count(*) FROM deep GROUP BY " + "(" * 5000 + "id" + ")" * 5000,
    ]
    for sql in hostile:
        e = sqlstate_of(conn, sql)
        assert e.pgcode == "54001", sql[:60]
        assert rows(conn, "SELECT id, t FROM deep") == [(1, "x")], sql[:60]
    # wide but flat is fine
    assert len(rows(conn, "SELECT id FROM deep WHERE id IN (" + ",".join(map(str, range(20000))) + ")")) == 1
    assert len(rows(conn, "SELECT id FROM deep WHERE " + " OR ".join(f"id = {i}" for i in range(3000)))) == 1
    assert run(conn, "INSERT INTO deep VALUES " + ",".join(f"({i}, 'v')" for i in range(2, 5002))) == "INSERT 0 5000"
    assert rows(conn, "SELECT count(*) FROM deep") == [(5001,)]


def test_megabyte_literal_round_trips(conn):
    run(conn, "CREATE TABLE blob (id int PRIMARY KEY, t text, v varchar(10))")
    big = "".join(chr(32 + (i * 7919) % 95) for i in range(1 << 20))  # printable ASCII, quotes and backslashes
    assert run(conn, "INSERT INTO blob (id, t) VALUES (1, %s)", (big,)) == "INSERT 0 1"
    assert rows(conn, "SELECT t = %s, length(t) FROM blob WHERE id = 1", (big,)) == [(True, 1 << 20)]
    assert rows(conn, "SELECT t FROM blob WHERE id = 1") == [(big,)]
    unicode_big = "ü😀" * (1 << 18)
    assert rows(conn, "UPDATE blob SET t = %s WHERE id = 1 RETURNING length(t)", (unicode_big,)) == [(1 << 19,)]
    assert rows(conn, "SELECT t FROM blob") == [(unicode_big,)]
    assert sqlstate_of(conn, "INSERT INTO blob (id, v) VALUES (2, %s)", (big,)).pgcode == "22001"
    assert rows(conn, "SELECT count(*) FROM blob") == [(1,)]


def test_control_characters_and_unicode_round_trip(conn):
    run(conn, "CREATE TABLE odd (id int PRIMARY KEY, t text, c char(3), v varchar(3))")
    values = ["a\nb\tc\rd", "quote ' dq \" bs \\ semi ; dash -- /* not a comment */",
              "\x01\x02\x1f\x7f", "é ü 中文 😀 e\u0301 \u200b \ufeff", "$$ $tag$", "", " ", "'; DROP TABLE odd; --"]
    for i, v in enumerate(values):
        run(conn, "INSERT INTO odd (id, t) VALUES (%s, %s)", (i, v))
    assert rows(conn, "SELECT id, t FROM odd ORDER BY id") == list(enumerate(values))
    for i, v in enumerate(values):
        assert rows(conn, "SELECT id FROM odd WHERE t = %s", (v,)) == [(i,)]
    assert rows(conn, "SELECT length(t) FROM odd WHERE id = 3") == [(len(values[3]),)]
    # escapes and quoting forms of the lexer
    assert rows(conn, r"SELECT E'a\tb\n\\\'', $$it's$$, $q$$$ $q$, U&'\00e9\+01F600', 'it''s'") == \
        [("a\tb\n\\'", "it's", "$$ ", "é😀", "it's")]
    assert run(conn, "INSERT INTO odd VALUES (100, E'x\\ty', '😀é', 'ab😀')") == "INSERT 0 1"
    assert rows(conn, "SELECT t, c, v FROM odd WHERE id = 100") == [("x\ty", "😀é ", "ab😀")]
    assert sqlstate_of(conn, "INSERT INTO odd VALUES (101, 'x', '😀😀😀😀')").pgcode == "22001"
    for sql in ["SELECT 'unterminated", "SELECT 1 /* unterminated", "SELECT $$x", 'SELECT "x',
                "INSERT INTO odd VALUES (1,", "UPDATE odd SET", "SELECT * FROM odd WHERE", ")))", "\x01"]:
        assert sqlstate_of(conn, sql).pgcode == "42601", sql
    assert rows(conn, "SELECT count(*) FROM odd") == [(len(values) + 1,)]


def test_long_and_quoted_identifiers(conn):
    long_name = "t" + "x" * 99
    run(conn, f"CREATE TABLE {long_name} (id int)")
    run(conn, f"INSERT INTO {long_name} VALUES (1)")
    assert rows(conn, f"SELECT * FROM {long_name[:63]}") == [(1,)]  # truncated to 63 bytes as PostgreSQL
    run(conn, 'CREATE TABLE "Mixed Case" ("Col A" int, "select" text, "😀" bool)')
    run(conn, """INSERT INTO "Mixed Case" VALUES (1, 'x', true)""")
    with conn.cursor() as cur:
        cur.execute('SELECT "Col A", "select", "😀" FROM "Mixed Case"')
        assert cur.fetchall() == [(1, "x", True)]
        assert [d.name for d in cur.description] == ["Col A", "select", "😀"]
    assert sqlstate_of(conn, "SELECT * FROM mixed_case").pgcode == "42P01"
    e = sqlstate_of(conn, "CREATE TABLE too_wide (" + ", ".join(f"c{i} int" for i in range(1601)) + ")")
    assert e.pgcode == "54011"
    run(conn, "CREATE TABLE widest (" + ", ".join(f"c{i} int" for i in range(1600)) + ")")
    run(conn, "INSERT INTO widest (c0, c1599) VALUES (1, 2)")
    assert rows(conn, "SELECT c0, c800, c1599 FROM widest") == [(1, None, 2)]


# ---- raw protocol: bytes psycopg2 would never send


def _startup():
    body = b"user\0postgres\0database\0postgres\0\0"
    return struct.pack(">ii", 8 + len(body), 196608) + body


def _read_until_ready(s):
    data = b""
    while not (len(data) >= 6 and data[-6:-1] == b"Z\x00\x00\x00\x05"):
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def _query(s, sql):
    s.sendall(b"Q" + struct.pack(">i", 4 + len(sql) + 1) + sql + b"\0")
    return _read_until_ready(s)


def test_invalid_utf8_is_rejected(server):
    """PostgreSQL validates every query string: 22021, nothing stored."""
    with socket.create_connection(("127.0.0.1", server.port("pg"))) as s:
        s.sendall(_startup())
        _read_until_ready(s)
        assert _query(s, b"CREATE TABLE u8 (id int, t text)").startswith(b"C")
        reply = _query(s, b"INSERT INTO u8 VALUES (1, 'a\xff\xfeb')")
        stored = _query(s, b"SELECT count(*) FROM u8")
        assert reply.startswith(b"E") and b"C22021\0" in reply, reply
        assert b"D\x00\x00\x00\x0b\x00\x01\x00\x00\x00\x010" in stored  # nothing stored
        assert _query(s, b"SELECT 'ok'").startswith(b"T")  # the connection goes on


def test_nul_escape_is_22021(conn):
    e = sqlstate_of(conn, r"SELECT E'a\x00b'")
    assert e.pgcode == "22021"


def test_on_conflict_target_must_match_a_unique_constraint(conn):
    run(conn, "CREATE TABLE oc (id int PRIMARY KEY, g int)")
    run(conn, "INSERT INTO oc VALUES (1, 1)")
    assert sqlstate_of(conn, "INSERT INTO oc VALUES (2, 1) ON CONFLICT (g) DO NOTHING").pgcode == "42P10"
    assert sqlstate_of(conn, "INSERT INTO oc VALUES (3, 1) ON CONFLICT ON CONSTRAINT nope DO NOTHING").pgcode == "42704"
    assert rows(conn, "SELECT id, g FROM oc") == [(1, 1)]


def test_result_larger_than_the_output_buffer(make_server):
    server = make_server(args=["--max-output-buffer", str(4 << 20)]).start()  # 4 MB of unsent replies
    c = connect(server, autocommit=True)
    run(c, "CREATE TABLE mb (id int PRIMARY KEY, t text)")
    chunk = "m" * (1 << 20)
    for i in range(8):
        run(c, "INSERT INTO mb VALUES (%s, %s)", (i, chunk))
    try:
        assert rows(c, "SELECT id, t FROM mb ORDER BY id") == [(i, chunk) for i in range(8)]  # 8 MB, read promptly
    finally:
        c.close()
        again = connect(server, autocommit=True)  # the server itself is fine
        assert rows(again, "SELECT count(*) FROM mb") == [(8,)]
        again.close()


def test_statement_timeout_and_cancel_request(server):
    conn = psycopg2.connect(host="127.0.0.1", port=server.port("pg"), user="postgres", dbname="postgres")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("CREATE TABLE slow (id int PRIMARY KEY, t text)")
    cur.execute("INSERT INTO slow VALUES " + ", ".join("(%d, 'x')" % i for i in range(20000)))
    # A cross-batch aggregate over 20k rows repeated through a sort is slow enough to time out at 1 ms.
    cur.execute("SET statement_timeout = 1")
    with pytest.raises(psycopg2.Error) as e:
        for _ in range(50):
            cur.execute("SELECT t, count(*) FROM slow GROUP BY t ORDER BY 1")
    assert e.value.pgcode == "57014"
    cur.execute("RESET statement_timeout")
    cur.execute("SELECT count(*) FROM slow")
    assert cur.fetchone() == (20000,)
    # conn.cancel() sends a CancelRequest on a new connection with the BackendKeyData key.
    import threading
    errors = []

    def run():
        try:
            for _ in range(200):
                cur.execute("SELECT t, count(*) FROM slow GROUP BY t ORDER BY 1")
        except psycopg2.Error as err:
            errors.append(err.pgcode)

    worker = threading.Thread(target=run)
    worker.start()
    for _ in range(100):
        if not worker.is_alive():
            break
        conn.cancel()
        worker.join(0.05)
    worker.join()
    assert errors == ["57014"]
    cur.execute("SELECT 1")
    assert cur.fetchone() == (1,)


def test_serial_identity_and_sequence_functions(server):
    conn = psycopg2.connect(host="127.0.0.1", port=server.port("pg"), user="postgres", dbname="postgres")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("CREATE TABLE s (id serial PRIMARY KEY, name text DEFAULT 'z')")
    cur.execute("INSERT INTO s DEFAULT VALUES RETURNING *")
    assert cur.fetchall() == [(1, "z")]
    cur.execute("INSERT INTO s (name) VALUES ('a'), ('b') RETURNING id")
    assert cur.fetchall() == [(2,), (3,)]
    cur.execute("INSERT INTO s VALUES (10, 'explicit')")  # an explicit value does not draw from the sequence
    cur.execute("SELECT currval('s_id_seq'), nextval('s_id_seq')")
    assert cur.fetchone() == (3, 4)
    cur.execute("SELECT setval('s_id_seq', 100)")
    cur.execute("INSERT INTO s (name) VALUES ('c') RETURNING id")
    assert cur.fetchone() == (101,)
    cur.execute("BEGIN")
    cur.execute("SELECT nextval('s_id_seq')")
    cur.execute("ROLLBACK")  # nextval is not rolled back
    cur.execute("SELECT nextval('s_id_seq')")
    assert cur.fetchone() == (103,)
    cur.execute("CREATE TABLE g (id bigint GENERATED ALWAYS AS IDENTITY, v int)")
    cur.execute("INSERT INTO g (v) VALUES (1), (2) RETURNING id")
    assert cur.fetchall() == [(1,), (2,)]
    for sql, state in [("INSERT INTO g VALUES (5, 1)", "428C9"), ("SELECT currval('nope')", "42P01"),
                       ("CREATE TABLE s2 (id serial DEFAULT 1)", "42601")]:
        with pytest.raises(psycopg2.Error) as e:
            cur.execute(sql)
        assert e.value.pgcode == state, sql
    conn2 = psycopg2.connect(host="127.0.0.1", port=server.port("pg"), user="postgres", dbname="postgres")
    with pytest.raises(psycopg2.Error) as e:  # currval is per session
        conn2.cursor().execute("SELECT currval('s_id_seq')")
    assert e.value.pgcode == "55000"
    conn2.close()
    cur.execute("DROP TABLE s")  # its sequence goes with it
    with pytest.raises(psycopg2.Error) as e:
        cur.execute("SELECT nextval('s_id_seq')")
    assert e.value.pgcode == "42P01"


def test_secondary_indexes_follow_writes(server):
    conn = psycopg2.connect(host="127.0.0.1", port=server.port("pg"), user="postgres", dbname="postgres")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("CREATE TABLE u (id int PRIMARY KEY, email text, k int)")
    cur.execute("INSERT INTO u VALUES (1, 'a@x', 5), (2, 'b@x', 5), (3, NULL, 7), (4, NULL, 7)")
    cur.execute("CREATE UNIQUE INDEX u_email ON u (email)")  # NULLs do not collide
    cur.execute("CREATE INDEX ON u (k)")
    with pytest.raises(psycopg2.Error) as e:
        cur.execute("CREATE INDEX u_k_idx ON u (id)")  # the default name of the index above
    assert e.value.pgcode == "42P07"

    def ids(where, *args):
        cur.execute("SELECT id FROM u WHERE " + where + " ORDER BY id", args)
        return [r[0] for r in cur.fetchall()]

    assert ids("k = 5") == [1, 2]
    assert ids("email = %s", "b@x") == [2]
    with pytest.raises(psycopg2.Error) as e:
        cur.execute("INSERT INTO u VALUES (5, 'a@x', 1)")
    assert e.value.pgcode == "23505" and "u_email" in e.value.pgerror
    cur.execute("UPDATE u SET k = 9 WHERE id = 1")
    assert ids("k = 5") == [2] and ids("k IN (9, 7)") == [1, 3, 4]
    cur.execute("UPDATE u SET email = 'c@x' WHERE id = 2")
    assert ids("email = 'c@x'") == [2] and ids("email = 'b@x'") == []
    cur.execute("UPDATE u SET id = 20 WHERE id = 2")  # a new row key: the entries follow it
    assert ids("email = 'c@x'") == [20] and ids("k = 5") == [20]
    cur.execute("DELETE FROM u WHERE id = 3")
    assert ids("k = 7") == [4]
    cur.execute("BEGIN")
    cur.execute("INSERT INTO u VALUES (8, 'd@x', 7)")
    cur.execute("ROLLBACK")
    assert ids("k = 7") == [4] and ids("email = 'd@x'") == []
    cur.execute("INSERT INTO u VALUES (9, 'e@x', 7)")
    with pytest.raises(psycopg2.Error) as e:
        cur.execute("CREATE UNIQUE INDEX dup ON u (k)")
    assert e.value.pgcode == "23505" and "could not create unique index" in e.value.pgerror
    cur.execute("DROP INDEX u_email")
    cur.execute("INSERT INTO u VALUES (10, 'e@x', 1)")  # no longer unique
    with pytest.raises(psycopg2.Error) as e:
        cur.execute("DROP INDEX u_email")
    assert e.value.pgcode == "42704"
    cur.execute("TRUNCATE u")
    cur.execute("INSERT INTO u VALUES (1, 'z', 1)")
    assert ids("k = 1") == [1]
    server.restart()
    conn = psycopg2.connect(host="127.0.0.1", port=server.port("pg"), user="postgres", dbname="postgres")
    conn.autocommit = True
    cur = conn.cursor()
    assert ids("k = 1") == [1]


def test_unique_constraints_are_unique_indexes(server):
    conn = psycopg2.connect(host="127.0.0.1", port=server.port("pg"), user="postgres", dbname="postgres")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("CREATE TABLE w (id int PRIMARY KEY, email text UNIQUE, a int, b int, CONSTRAINT ab UNIQUE (a, b))")
    cur.execute("CREATE TABLE IF NOT EXISTS w (id int, email text UNIQUE)")  # a notice, no error
    cur.execute("INSERT INTO w VALUES (1, 'x', 1, 1), (2, NULL, 1, 2), (3, NULL, NULL, NULL), (4, NULL, NULL, NULL)")
    for sql, constraint in [("INSERT INTO w VALUES (5, 'x', 9, 9)", "w_email_key"),
                            ("INSERT INTO w VALUES (6, 'y', 1, 2)", "ab"),
                            ("UPDATE w SET email = 'x' WHERE id = 2", "w_email_key")]:
        with pytest.raises(psycopg2.Error) as e:
            cur.execute(sql)
        assert e.value.pgcode == "23505" and constraint in e.value.pgerror, sql
    cur.execute("SELECT id FROM w WHERE a = 1 AND b = 2")  # through the (a, b) index
    assert cur.fetchall() == [(2,)]


def test_savepoints(server):
    conn = psycopg2.connect(host="127.0.0.1", port=server.port("pg"), user="postgres", dbname="postgres")
    cur = conn.cursor()  # psycopg2's own transaction block
    cur.execute("CREATE TABLE sp (id int PRIMARY KEY)")
    conn.commit()
    cur.execute("INSERT INTO sp VALUES (1)")
    cur.execute("SAVEPOINT a")
    cur.execute("INSERT INTO sp VALUES (2)")
    cur.execute("SAVEPOINT b")
    cur.execute("INSERT INTO sp VALUES (3)")
    cur.execute("ROLLBACK TO SAVEPOINT a")  # undoes 2 and 3, and drops b
    cur.execute("SAVEPOINT c")
    with pytest.raises(psycopg2.Error) as e:
        cur.execute("INSERT INTO sp VALUES (1)")
    assert e.value.pgcode == "23505"
    with pytest.raises(psycopg2.Error) as e:
        cur.execute("SELECT 1")
    assert e.value.pgcode == "25P02"
    cur.execute("ROLLBACK TO c")  # the block works again
    cur.execute("INSERT INTO sp VALUES (4)")
    cur.execute("RELEASE SAVEPOINT c")
    with pytest.raises(psycopg2.Error) as e:
        cur.execute("ROLLBACK TO b")
    assert e.value.pgcode == "3B001"
    conn.rollback()
    cur.execute("INSERT INTO sp VALUES (1)")
    cur.execute("SAVEPOINT s")
    cur.execute("INSERT INTO sp VALUES (2)")
    cur.execute("RELEASE s")  # keeps 2
    conn.commit()
    cur.execute("SELECT id FROM sp ORDER BY id")
    assert cur.fetchall() == [(1,), (2,)]


def test_copy_into_a_table_truncated_in_the_same_transaction(server):
    """The direct-load path (rows written outside the transaction under a fresh
    relfilenode) must still be all-or-nothing with its transaction."""
    conn = psycopg2.connect(host="127.0.0.1", port=server.port("pg"), user="postgres", dbname="postgres")
    cur = conn.cursor()
    cur.execute("CREATE TABLE fc (a int NOT NULL, b text)")
    conn.commit()
    rows = "".join("%d\tv%d\n" % (i, i) for i in range(25000))  # several direct batches
    cur.execute("TRUNCATE fc")
    cur.copy_expert("COPY fc FROM STDIN", io.StringIO(rows))
    cur.execute("SELECT count(*) FROM fc")
    assert cur.fetchone() == (25000,)
    conn.rollback()
    cur.execute("SELECT count(*) FROM fc")
    assert cur.fetchone() == (0,)
    cur.execute("TRUNCATE fc")
    cur.copy_expert("COPY fc FROM STDIN", io.StringIO(rows))
    conn.commit()
    server.kill()
    server.start()
    conn = psycopg2.connect(host="127.0.0.1", port=server.port("pg"), user="postgres", dbname="postgres")
    cur = conn.cursor()
    cur.execute("SELECT count(*), sum(a) FROM fc")
    assert cur.fetchone() == (25000, sum(range(25000)))


def test_analyze_and_explain(conn):
    cur = conn.cursor()
    cur.execute("CREATE TABLE orders (id int PRIMARY KEY, customer int, status text)")
    cur.execute("CREATE INDEX orders_status ON orders (status)")
    cur.execute("CREATE INDEX orders_customer ON orders (customer)")
    cur.execute("INSERT INTO orders SELECT g, g % 1000, CASE WHEN g % 2 = 0 THEN 'open' ELSE 'done' END "
                "FROM generate_series(1, 5000) g")
    query = "SELECT count(*) FROM orders WHERE status = 'open' AND customer = 42"
    cur.execute("ANALYZE orders")
    cur.execute("SELECT attname, n_distinct FROM pg_stats WHERE tablename = 'orders' ORDER BY attname")
    assert cur.fetchall() == [("customer", -0.2), ("id", -1.0), ("status", 2.0)]
    cur.execute("EXPLAIN " + query)
    plan = [r[0] for r in cur.fetchall()]
    assert any("Index Scan using orders_customer on orders" in line for line in plan), plan  # 1000 values beat 2
    cur.execute("EXPLAIN (ANALYZE, COSTS OFF) " + query)
    plan = [r[0] for r in cur.fetchall()]
    assert plan[-1].startswith("Execution Time: ")
    assert any("orders_customer" in line and "rows=5 loops=1" in line for line in plan), plan
    cur.execute(query)
    assert cur.fetchone() == (5,)  # ids 42, 1042, 2042, 3042, 4042: all even, all open


def test_a_write_that_must_wait_is_undone_and_redone_once(patient_server):
    # Inside a block, INSERT/UPDATE/DELETE run on the connection's thread without
    # waiting for row locks; meeting one, the statement is undone and run again
    # where it can wait. What it wrote before must not be there twice.
    a, b = two_sessions(patient_server)
    run(a, "CREATE TABLE twice (id int PRIMARY KEY, who text)")
    a.commit()
    run(a, "INSERT INTO twice VALUES (11, 'a')")  # a holds key 11
    both = Background(lambda: run(b, "INSERT INTO twice VALUES (10, 'b'), (11, 'b')"))  # writes 10, meets 11
    time.sleep(0.3)
    a.rollback()
    assert both.join() == "INSERT 0 2"
    b.commit()
    assert rows(a, "SELECT id, who FROM twice ORDER BY id") == [(10, "b"), (11, "b")]
    a.commit()
    a.close()
    b.close()
