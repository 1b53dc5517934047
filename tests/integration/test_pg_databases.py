"""CREATE / DROP / ALTER DATABASE through psycopg2 and psql, as createdb,
dropdb and a user switching databases would use them: each database is its
own namespace of schemas and tables; roles are shared."""

import subprocess

import psycopg2
import pytest

from pg_util import assert_sqlstates, connect


def test_databases_are_separate_namespaces(server):
    admin = connect(server, "postgres")
    cur = admin.cursor()
    cur.execute("CREATE DATABASE shop")
    shop = connect(server, "shop")
    s = shop.cursor()
    s.execute("CREATE TABLE items (id int PRIMARY KEY, name text)")
    s.execute("INSERT INTO items VALUES (1, 'pen'), (2, 'ink')")
    s.execute("SELECT current_database(), count(*) FROM items")
    assert s.fetchone() == ("shop", 2)
    s.execute("SELECT table_catalog, table_name FROM information_schema.tables WHERE table_schema = 'public'")
    assert s.fetchall() == [("shop", "items")]

    with pytest.raises(psycopg2.Error) as e:  # not visible from postgres
        cur.execute("SELECT * FROM items")
    assert e.value.pgcode == "42P01"
    cur.execute("CREATE TABLE items (sku text)")  # the same name in another database
    cur.execute("SELECT datname FROM pg_database ORDER BY datname")
    assert [r[0] for r in cur.fetchall()] == ["postgres", "shop", "template0", "template1"]

    with pytest.raises(psycopg2.Error) as e:
        cur.execute("DROP DATABASE shop")
    assert e.value.pgcode == "55006"
    assert e.value.diag.message_detail == "There is 1 other session using the database."
    with pytest.raises(psycopg2.Error) as e:
        s.execute("DROP DATABASE shop")
    assert e.value.pgcode == "55006"
    assert e.value.diag.message_primary == "cannot drop the currently open database"
    shop.close()

    cur.execute("ALTER DATABASE shop RENAME TO store")
    store = connect(server, "store")
    store.cursor().execute("SELECT name FROM items WHERE id = 2")
    store.close()
    cur.execute("DROP DATABASE store")
    cur.execute("DROP DATABASE IF EXISTS store")
    with pytest.raises(psycopg2.OperationalError, match='database "store" does not exist'):
        connect(server, "store")
    cur.execute("DROP TABLE items")
    admin.close()


def test_errors(server):
    cur = connect(server, "postgres").cursor()
    assert_sqlstates(cur, [("CREATE DATABASE postgres", "42P04"),
                           ("CREATE DATABASE x TEMPLATE nope", "3D000"),
                           ("CREATE DATABASE x OWNER nobody", "42704"),
                           ("CREATE DATABASE x LOCALE 'de_DE.UTF-8'", "0A000"),
                           ("CREATE DATABASE x; SELECT 1", "25001"),
                           ("DROP DATABASE nope", "3D000"),
                           ("DROP DATABASE template1", "42809"),
                           ("DROP DATABASE postgres", "55006"),
                           ("ALTER DATABASE postgres RENAME TO p", "0A000")])
    with pytest.raises(psycopg2.OperationalError, match="not currently accepting connections"):
        connect(server, "template0")
    cur.execute("CREATE DATABASE utf WITH TEMPLATE = template0 ENCODING = 'UTF8' LOCALE = 'C.UTF-8'")  # as pg_dump
    cur.execute("DROP DATABASE utf")


def test_createdb_dropdb_and_psql_l(server):
    env = {"PGHOST": "127.0.0.1", "PGPORT": str(server.port("pg")), "PGUSER": "postgres", "PATH": "/usr/bin:/bin"}
    subprocess.run(["createdb", "tools"], env=env, check=True)
    out = subprocess.run(["psql", "-d", "tools", "-X", "-A", "-t", "-c", "CREATE TABLE a (x int)", "-c",
                          "SELECT current_database()"], env=env, check=True, capture_output=True, text=True).stdout
    assert out.strip().splitlines()[-1] == "tools"
    listing = subprocess.run(["psql", "-X", "-l"], env=env, check=True, capture_output=True, text=True).stdout
    assert " tools " in listing
    subprocess.run(["dropdb", "tools"], env=env, check=True)
    listing = subprocess.run(["psql", "-X", "-l"], env=env, check=True, capture_output=True, text=True).stdout
    assert " tools " not in listing


def test_a_database_survives_kill_9(make_server):
    srv = make_server().start()
    c = connect(srv, "postgres")
    c.cursor().execute("CREATE DATABASE kept")
    c.close()
    k = connect(srv, "kept")
    k.cursor().execute("CREATE TABLE t (id int PRIMARY KEY)")
    k.cursor().execute("INSERT INTO t VALUES (42)")
    k.close()
    srv.kill()
    srv.start()
    k = connect(srv, "kept")
    cur = k.cursor()
    cur.execute("SELECT id FROM t")
    assert cur.fetchall() == [(42,)]
    k.close()
