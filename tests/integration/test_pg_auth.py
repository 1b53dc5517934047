"""PostgreSQL roles and password authentication through libpq (psycopg2, psql):
CREATE/ALTER/DROP ROLE, SCRAM-SHA-256 and md5 verifiers, cleartext mode,
NOLOGIN roles, and the default rule that a loopback login of a role without a
password is trusted (a fresh local install)."""

import os
import subprocess

import psycopg2
import pytest


def connect(server, user, password=None):
    return psycopg2.connect(host="127.0.0.1", port=server.port("pg"), user=user, password=password, dbname="postgres")


def admin(server):
    c = connect(server, "postgres")
    c.autocommit = True
    return c.cursor()


def test_scram_and_md5_logins(server):
    cur = admin(server)
    cur.execute("CREATE USER bob PASSWORD 'pw-bob'")
    cur.execute("SET password_encryption = 'md5'")
    cur.execute("CREATE USER carol WITH LOGIN PASSWORD 'pw-carol'")
    cur.execute("CREATE ROLE reader")  # NOLOGIN by default
    for user, password in [("bob", "pw-bob"), ("carol", "pw-carol")]:
        c = connect(server, user, password)
        cur2 = c.cursor()
        cur2.execute("SELECT current_user")
        assert cur2.fetchone() == (user,)
        c.close()
        with pytest.raises(psycopg2.OperationalError) as e:
            connect(server, user, "wrong")
        assert "password authentication failed" in str(e.value)
    with pytest.raises(psycopg2.OperationalError) as e:
        connect(server, "reader")
    assert "not permitted to log in" in str(e.value)
    # psql speaks SCRAM too.
    out = subprocess.run(["psql", "-X", "-h", "127.0.0.1", "-p", str(server.port("pg")), "-U", "bob", "-d", "postgres",
                          "-tAc", "SELECT 40 + 2"], capture_output=True, text=True,
                         env={**os.environ, "PGPASSWORD": "pw-bob"}, timeout=30)
    assert out.stdout.strip() == "42", out.stderr


def test_alter_and_drop_role(server):
    cur = admin(server)
    cur.execute("CREATE USER dave PASSWORD 'one'")
    cur.execute("ALTER ROLE dave PASSWORD 'two'")
    connect(server, "dave", "two").close()
    with pytest.raises(psycopg2.OperationalError):
        connect(server, "dave", "one")
    cur.execute("ALTER USER dave PASSWORD NULL")  # no password: loopback trust again
    connect(server, "dave").close()
    cur.execute("ALTER ROLE dave NOLOGIN")
    with pytest.raises(psycopg2.OperationalError):
        connect(server, "dave")
    for sql, state in [("CREATE ROLE dave", "42710"), ("ALTER ROLE nobody PASSWORD 'x'", "42704"),
                       ("DROP ROLE nobody", "42704"), ("DROP ROLE postgres", "55006"),
                       ("CREATE ROLE x CREATEDB", "0A000")]:
        with pytest.raises(psycopg2.Error) as e:
            cur.execute(sql)
        assert e.value.pgcode == state, sql
    cur.execute("DROP ROLE IF EXISTS nobody")
    cur.execute("DROP ROLE dave")
    cur.execute("CREATE ROLE dave")  # the name is free again


def test_scram_mode_requires_every_password(make_server):
    server = make_server(args=["--pg-auth", "scram"]).start()
    with pytest.raises(psycopg2.OperationalError):
        connect(server, "postgres")  # the bootstrap superuser has no password yet
    trusted = make_server(args=["--pg-auth", "trust"]).start()
    cur = admin(trusted)
    cur.execute("CREATE USER erin PASSWORD 'pw'")
    connect(trusted, "erin", "anything").close()  # trust: the password is not checked


def test_roles_survive_restart(server):
    cur = admin(server)
    cur.execute("CREATE USER frank PASSWORD 'pw-frank'")
    server.restart()
    connect(server, "frank", "pw-frank").close()
    with pytest.raises(psycopg2.OperationalError):
        connect(server, "frank", "nope")
