"""A pg_dump of a PostgreSQL 15 database restores into Orbit with psql, as a
user moving a database would do it. fixtures/pg15_dump.sql is pg_dump 15's output
for a schema with SERIAL, BIGSERIAL and IDENTITY columns, a CHECK, a UNIQUE
constraint, a foreign key with ON DELETE CASCADE, a secondary index, a view and
a stand-alone sequence (made on PostgreSQL 15.18; the expected behaviour below
was checked on that server first)."""

import os
import subprocess

import psycopg2
import pytest

from pg_util import assert_sqlstates, connect

DUMP = os.path.join(os.path.dirname(__file__), "fixtures", "pg15_dump.sql")


def test_pg15_dump_restores_and_behaves_as_on_postgres(server):
    env = {"PGHOST": "127.0.0.1", "PGPORT": str(server.port("pg")), "PGUSER": "postgres", "PATH": "/usr/bin:/bin"}
    restore = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-f", DUMP],
                             env=env, capture_output=True, text=True)
    assert restore.returncode == 0, restore.stderr

    c = connect(server)
    cur = c.cursor()
    cur.execute("SELECT id, name, email FROM customers ORDER BY id")
    assert cur.fetchall() == [(1, "ann", "ann@x"), (2, "bob", "bob@x")]
    cur.execute("SELECT id, customer_id, total::text, status FROM big_orders")
    assert cur.fetchall() == [(1, 1, "150.50", "paid")]
    # The sequences continue where setval left them.
    cur.execute("INSERT INTO customers (name) VALUES ('cy') RETURNING id")
    assert cur.fetchone() == (3,)
    cur.execute("INSERT INTO tags (label) VALUES ('g') RETURNING id")
    assert cur.fetchone() == (3,)
    cur.execute("SELECT nextval('invoice_no')")
    assert cur.fetchone() == (1001,)
    # The constraints added after the data are enforced.
    assert_sqlstates(cur, [("INSERT INTO tags (id, label) VALUES (9, 'x')", "428C9"),
                           ("INSERT INTO orders (customer_id, total) VALUES (2, -1)", "23514"),
                           ("INSERT INTO orders (customer_id, total) VALUES (42, 1)", "23503"),
                           ("INSERT INTO customers (name, email) VALUES ('dup', 'bob@x')", "23505"),
                           ("INSERT INTO customers (id, name) VALUES (2, 'dup')", "23505")])
    cur.execute("DELETE FROM customers WHERE id = 1")  # ON DELETE CASCADE
    cur.execute("SELECT count(*) FROM orders")
    assert cur.fetchone() == (1,)
    cur.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'orders' ORDER BY 1")
    assert cur.fetchall() == [("orders_customer",), ("orders_pkey",)]
    # customers_id_seq is AS integer and owned by customers.id: it goes with the table.
    cur.execute("DROP TABLE customers CASCADE")
    with pytest.raises(psycopg2.Error) as e:
        cur.execute("SELECT nextval('customers_id_seq')")
    assert e.value.pgcode == "42P01"
    c.close()


def test_sequence_options(server):
    c = connect(server)
    cur = c.cursor()
    cur.execute("CREATE SEQUENCE small AS smallint START 32766")
    cur.execute("SELECT nextval('small'), nextval('small')")
    assert cur.fetchone() == (32766, 32767)
    with pytest.raises(psycopg2.Error) as e:
        cur.execute("SELECT nextval('small')")
    assert e.value.pgcode == "2200H"
    assert e.value.diag.message_primary == 'nextval: reached maximum value of sequence "small" (32767)'
    cur.execute("ALTER SEQUENCE small RESTART WITH 10")
    cur.execute("SELECT nextval('small')")
    assert cur.fetchone() == (10,)
    cur.execute("SELECT setval('small', 20, false), nextval('small')")
    assert cur.fetchone() == (20, 20)
    assert_sqlstates(cur, [("SELECT setval('small', 40000)", "22003"),
                           ("CREATE SEQUENCE s2 MAXVALUE 5 START 6", "22023"),
                           ("CREATE SEQUENCE s3 INCREMENT BY 2", "0A000"),
                           ("CREATE SEQUENCE s4 CYCLE", "0A000"),
                           ("ALTER TABLE small OWNER TO nobody", "42704")])
    c.close()


def test_a_rerun_statement_takes_its_sequence_values_once(server):
    # A SELECT whose output outgrows the connection thread's budget (300 KB) is
    # abandoned and run again on the pool: nextval must answer as if run once.
    c = connect(server)
    cur = c.cursor()
    cur.execute("CREATE SEQUENCE once")
    cur.execute("SELECT nextval('once'), length(repeat('x', 300000))")
    assert cur.fetchone() == (1, 300000)
    cur.execute("SELECT nextval('once')")
    assert cur.fetchone() == (2,)
    # The same inside a block, where an INSERT with a SERIAL default runs on the
    # connection's thread and its RETURNING output sends it elsewhere.
    cur.execute("CREATE TABLE numbered (id serial PRIMARY KEY, pad text)")
    c.autocommit = False
    cur.execute("INSERT INTO numbered (pad) VALUES (repeat('y', 300000)) RETURNING id")
    assert cur.fetchone() == (1,)
    cur.execute("INSERT INTO numbered (pad) VALUES ('z') RETURNING id")
    assert cur.fetchone() == (2,)
    c.commit()
    c.close()
