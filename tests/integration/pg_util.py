"""Small psycopg2 helpers shared by the PostgreSQL integration tests."""

import psycopg2
import pytest


def connect(server, dbname="postgres", autocommit=True, user="postgres"):
    c = psycopg2.connect(host="127.0.0.1", port=server.port("pg"), user=user, dbname=dbname)
    c.autocommit = autocommit
    return c


def assert_sqlstates(cur, cases):
    """Each (sql, sqlstate) fails with that SQLSTATE; the connection stays usable."""
    for sql, state in cases:
        with pytest.raises(psycopg2.Error) as e:
            cur.execute(sql)
        assert e.value.pgcode == state, sql
        if not cur.connection.autocommit:
            cur.connection.rollback()
