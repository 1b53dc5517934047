"""The newer SQL types through psycopg2 (Debian python3-psycopg2), as an
application uses them: its adapters send Python values and parse the text
results back into uuid.UUID, timedelta, time, dict, list, Decimal and bytes."""

import datetime
import decimal
import uuid

import psycopg2
import psycopg2.extras
import pytest


@pytest.fixture
def conn(server):
    c = psycopg2.connect(host="127.0.0.1", port=server.port("pg"), user="postgres", dbname="postgres")
    psycopg2.extras.register_uuid(conn_or_curs=c)
    yield c
    c.close()


def test_round_trips_through_psycopg2_adapters(conn):
    cur = conn.cursor()
    cur.execute("""CREATE TABLE things (id uuid PRIMARY KEY, at time, span interval, blob bytea, doc jsonb,
                                       raw json, tags text[], scores int[], price numeric(8,2))""")
    key = uuid.uuid4()
    cur.execute("INSERT INTO things VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (key, datetime.time(10, 11, 12, 500000), datetime.timedelta(days=2, hours=3),
                 psycopg2.Binary(b"\x00\xffraw"), psycopg2.extras.Json({"b": [1, 2], "a": None}),
                 psycopg2.extras.Json([1, "x"]), ["red", "a b", None], [3, 1, 2], decimal.Decimal("12.345")))
    conn.commit()
    cur.execute("SELECT * FROM things WHERE id = %s", (key,))
    row = cur.fetchone()
    assert row[0] == key
    assert row[1] == datetime.time(10, 11, 12, 500000)
    assert row[2] == datetime.timedelta(days=2, hours=3)
    assert bytes(row[3]) == b"\x00\xffraw"
    assert row[4] == {"a": None, "b": [1, 2]}
    assert row[5] == [1, "x"]
    assert row[6] == ["red", "a b", None]
    assert row[7] == [3, 1, 2]
    assert row[8] == decimal.Decimal("12.35")  # rounded to the column's scale
    cur.execute("SELECT doc ->> 'b', doc -> 'b' -> 0, scores[2], 'red' = ANY(tags), cardinality(scores) FROM things")
    assert cur.fetchone() == ("[1, 2]", 1, 1, True, 3)
    cur.execute("SELECT id FROM things WHERE span > interval '1 day' AND at < '11:00'")
    assert cur.fetchall() == [(key,)]


def test_type_errors_keep_the_connection(conn):
    cur = conn.cursor()
    for sql, state in [("SELECT 'nope'::uuid", "22P02"), ("SELECT '{bad'::jsonb", "22P02"),
                       ("SELECT 1000::numeric(3,1)", "22003"), ("SELECT '1 fortnight'::interval", "22007"),
                       ("SELECT '{1,2'::int[]", "22P02"), ("SELECT '{}'::json = '{}'::json", "42883")]:
        with pytest.raises(psycopg2.Error) as e:
            cur.execute(sql)
        assert e.value.pgcode == state, sql
        conn.rollback()
    cur.execute("SELECT now() - interval '1 day' < now()")
    assert cur.fetchone() == (True,)


def test_values_survive_a_restart(make_server):
    srv = make_server().start()
    c = psycopg2.connect(host="127.0.0.1", port=srv.port("pg"), user="postgres", dbname="postgres")
    c.autocommit = True
    cur = c.cursor()
    cur.execute("CREATE TABLE keep (id int PRIMARY KEY, span interval, tags text[], doc jsonb)")
    cur.execute("INSERT INTO keep VALUES (1, '1 mon 2 days 03:04:05', '{x,y}', '{\"k\": [true]}')")
    c.close()
    srv.kill()  # SIGKILL: the autocommitted insert was acknowledged
    srv.start()
    c = psycopg2.connect(host="127.0.0.1", port=srv.port("pg"), user="postgres", dbname="postgres")
    cur = c.cursor()
    cur.execute("SELECT span::text, tags, doc FROM keep")
    assert cur.fetchone() == ("1 mon 2 days 03:04:05", ["x", "y"], {"k": [True]})
    c.close()
