"""The PostgreSQL listener's first slice (ADR 005) through real clients: libpq via
psycopg2 and psql. Startup, trust authentication, ParameterStatus, simple
queries of expressions (constants, casts, integer arithmetic, comparisons) and
PostgreSQL's errors for what is not built yet. Tables come with later slices."""

import socket
import struct
import subprocess

import psycopg2
import pytest


@pytest.fixture
def conn(server):
    c = psycopg2.connect(host="127.0.0.1", port=server.port("pg"), user="alice", dbname="postgres")
    c.autocommit = True  # no BEGIN: transactions are not built yet
    yield c
    c.close()


def test_server_reports_postgres_15_parameters(conn):
    assert conn.server_version == 150001
    assert conn.get_parameter_status("server_encoding") == "UTF8"
    assert conn.get_parameter_status("integer_datetimes") == "on"
    assert conn.get_parameter_status("standard_conforming_strings") == "on"
    assert conn.get_parameter_status("session_authorization") == "alice"


def test_select_expressions_with_types(conn):
    cur = conn.cursor()
    cur.execute("SELECT 1 + 2 * 3 AS x, 'hé', true, NULL, 7 / 2, 7 % 3, -(4), '42'::int4, 3000000000, 1 < 2")
    assert cur.fetchall() == [(7, "hé", True, None, 3, 1, -4, 42, 3000000000, True)]
    names = [d.name for d in cur.description]
    assert names == ["x", "?column?", "?column?", "?column?", "?column?", "?column?", "?column?", "int4",
                     "?column?", "?column?"]
    assert [d.type_code for d in cur.description][:3] == [23, 25, 16]  # the literal becomes text
    cur.execute("SELECT 1.5")
    assert str(cur.fetchone()[0]) == "1.5"  # numeric (OID 1700) becomes Decimal


def test_errors_carry_sqlstate_and_keep_the_connection(conn):
    cur = conn.cursor()
    cases = [
        ("SELEC 1", "42601"),
        ("SELECT 1/0", "22012"),
        ("SELECT 2147483647 + 1", "22003"),
        ("SELECT 'x'::int4", "22P02"),
        ("SELECT nope", "42703"),
        ("SELECT * FROM t", "42P01"),
        ("CREATE TABLE t (a int) PARTITION BY RANGE (a)", "0A000"),
    ]
    for sql, state in cases:
        with pytest.raises(psycopg2.Error) as e:
            cur.execute(sql)
        assert e.value.pgcode == state, sql
    cur.execute("SELECT 41 + 1")
    assert cur.fetchone() == (42,)


def test_psql_runs_a_script_of_several_statements(server):
    out = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(server.port("pg")), "-U", "postgres", "-At", "-c",
                          "SELECT 1; SELECT 'two'; SELECT 3 = 3"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["1", "two", "t"]
    err = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(server.port("pg")), "-U", "postgres", "-c",
                          "SELECT 1 +"], capture_output=True, text=True, timeout=30)
    assert err.returncode == 1
    assert 'syntax error at end of input' in err.stderr


def _startup(user=b"alice"):
    body = b"user\0" + user + b"\0database\0postgres\0\0"
    return struct.pack(">ii", 8 + len(body), 196608) + body


def _read_until_ready(s):
    data = b""
    while not data.endswith(b"Z\x00\x00\x00\x05I"):
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_ssl_request_is_declined_then_startup_works(server):
    with socket.create_connection(("127.0.0.1", server.port("pg"))) as s:
        s.sendall(struct.pack(">ii", 8, 80877103))
        assert s.recv(1) == b"N"
        s.sendall(_startup())
        assert _read_until_ready(s).startswith(b"R\x00\x00\x00\x08\x00\x00\x00\x00")


def test_protocol_violations_close_only_that_connection(server, conn):
    with socket.create_connection(("127.0.0.1", server.port("pg"))) as s:
        s.sendall(_startup())
        _read_until_ready(s)
        s.sendall(b"Q" + struct.pack(">i", 2))  # a length below 4
        reply = s.recv(65536)
        assert reply[:1] == b"E" and b"08P01" in reply and b"FATAL" in reply
        assert s.recv(10) == b""  # closed
    with socket.create_connection(("127.0.0.1", server.port("pg"))) as s:
        s.sendall(struct.pack(">ii", 8, 2 << 16))  # protocol 2.0
        assert b"unsupported frontend protocol" in s.recv(65536)
    cur = conn.cursor()
    cur.execute("SELECT 1")
    assert cur.fetchone() == (1,)


def test_extended_protocol_parse_error_is_answered_at_sync(server):
    with socket.create_connection(("127.0.0.1", server.port("pg"))) as s:
        s.sendall(_startup())
        _read_until_ready(s)
        bad = b"P" + struct.pack(">i", 4 + 1 + 9 + 2) + b"\0SELEC 12\0" + struct.pack(">h", 0)
        sync = b"S" + struct.pack(">i", 4)
        s.sendall(bad + bad + sync)
        data = _read_until_ready(s)
        assert data.count(b"42601") == 1  # one error, the second Parse was skipped
        assert data.endswith(b"Z\x00\x00\x00\x05I")


def test_set_show_and_session_functions(conn):
    cur = conn.cursor()
    cur.execute("SHOW search_path")
    assert cur.fetchone() == ('"$user", public',)
    cur.execute("SET application_name = 'orbit-test'")
    assert conn.get_parameter_status("application_name") == "orbit-test"  # reported with ParameterStatus
    cur.execute("SELECT current_user, current_database(), current_setting('application_name')")
    assert cur.fetchone() == ("alice", "postgres", "orbit-test")
    assert [d.name for d in cur.description] == ["current_user", "current_database", "current_setting"]
    for sql, state in [("SHOW nope", "42704"), ("SET TimeZone = 'Europe/Paris'", "0A000"),
                       ("SET extra_float_digits = 9", "22023")]:
        with pytest.raises(psycopg2.Error) as e:
            cur.execute(sql)
        assert e.value.pgcode == state, sql
    cur.execute("RESET application_name")
    assert conn.get_parameter_status("application_name") == ""


def test_deeply_nested_statements_are_refused_not_fatal(conn):
    cur = conn.cursor()
    hostile = [
        "SELECT " + "NOT " * 6000 + "true",
        "SELECT 1" + "::int" * 6000,
        "SELECT 1 -- '\n" + "+1" * 20000 + "\n-- '",
        "SELECT " + "(" * 6000 + "1" + ")" * 6000,
        "SELECT $$" + "x" * 10 + "$$ " + "+1" * 20000,
    ]
    for sql in hostile:
        with pytest.raises(psycopg2.Error) as e:
            cur.execute(sql)
        assert e.value.pgcode == "54001", sql[:40]
    cur.execute("SELECT " + ", ".join(["-1"] * 1500))  # flat lists are not nesting
    assert len(cur.fetchone()) == 1500


def test_transaction_blocks_follow_postgres_status(server):
    c = psycopg2.connect(host="127.0.0.1", port=server.port("pg"), user="alice", dbname="postgres")
    cur = c.cursor()  # psycopg2's default: BEGIN before the first statement
    cur.execute("SELECT 1")
    assert c.get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_INTRANS
    with pytest.raises(psycopg2.Error):
        cur.execute("SELECT 1/0")
    assert c.get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_INERROR
    with pytest.raises(psycopg2.Error) as e:
        cur.execute("SELECT 1")
    assert e.value.pgcode == "25P02"
    c.rollback()
    cur.execute("SELECT 'ok'")
    assert cur.fetchone() == ("ok",)
    c.commit()
    assert c.get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_IDLE
    c.close()


def test_casts_and_literals_follow_postgres(conn):
    cur = conn.cursor()
    cur.execute("SELECT true::text, 'YES'::bool, ' +7 '::int4, 1::bool, -2147483648, .5, 5.")
    row = cur.fetchone()
    assert row[:5] == ("true", True, 7, True, -2147483648)
    assert [str(v) for v in row[5:]] == ["0.5", "5"]
    assert cur.description[4].type_code == 23  # int4, not int8
    cur.execute("SELECT 'abc'::varchar(2)")  # an explicit cast truncates
    assert cur.fetchone() == ("ab",)
    for sql, state in [("SELECT -2147483648 - 1", "22003"), ("SELECT 1::text + 1", "42883"),
                       ("SELECT '1'::money", "0A000")]:
        with pytest.raises(psycopg2.Error) as e:
            cur.execute(sql)
        assert e.value.pgcode == state, sql


def test_long_or_chains_invalid_utf8_and_float_edges(conn):
    cur = conn.cursor()
    # 40,000 ORs: one n-ary node, not 40,000 levels of recursion (this crashed the server before).
    cur.execute("SELECT 1 WHERE " + " OR ".join("1 = %d" % i for i in range(2, 40000)) + " OR 1 = 1")
    assert cur.fetchall() == [(1,)]
    cur.execute("SELECT 2.5::float8 * 0, 0.1::real = 0.1, 1.0 = 1.00, 'NaN'::numeric = 1")
    assert cur.fetchone() == (0.0, False, True, False)
    with pytest.raises(psycopg2.Error) as e:
        cur.execute(b"SELECT '\xff\xfe'")
    assert e.value.pgcode == "22021"
    cur.execute("SELECT 1")
    assert cur.fetchone() == (1,)


def test_psql_describe_commands_read_pg_catalog(server):
    """psql's \\d, \\dt, \\di, \\dn, \\l, \\du and \\df run their real catalog queries (joins, regex
    operators, pg_catalog functions) against Orbit's virtual pg_catalog."""
    def psql(*commands):
        args = ["psql", "-h", "127.0.0.1", "-p", str(server.port("pg")), "-U", "postgres", "-X", "-A", "-F", "|"]
        for c in commands:
            args += ["-c", c]
        r = subprocess.run(args, capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        return r.stdout

    psql("CREATE TABLE shop (id serial PRIMARY KEY, item text)", "CREATE INDEX shop_item ON shop (item)")
    dt = psql("\\dt")
    assert "Schema|Name|Type|Owner" in dt and "public|shop|table|postgres" in dt
    di = psql("\\di")
    assert "public|shop_item|index|postgres|shop" in di and "public|shop_pkey|index|postgres|shop" in di
    assert "public|postgres" in psql("\\dn")
    assert "postgres|postgres|UTF8|C.UTF-8|C.UTF-8||libc|" in psql("\\l")
    assert "postgres|Superuser, Create role, Create DB, Replication, Bypass RLS|{}" in psql("\\du")
    assert "(0 rows)" in psql("\\df")  # no user-defined functions
    # \d <table> runs a dozen catalog queries (regclass casts, COLLATE, correlated
    # functions in FROM WITH ORDINALITY, pg_get_indexdef/constraintdef).
    psql("CREATE TABLE line (id int PRIMARY KEY, shop_id int REFERENCES shop (id), qty int DEFAULT 1 CHECK (qty > 0))")
    d = psql("\\d line")
    assert 'Table "public.line"' in d
    assert "id|integer||not null|" in d and "qty|integer|||1" in d
    assert '"line_pkey" PRIMARY KEY, btree (id)' in d
    assert '"line_qty_check" CHECK (qty > 0)' in d
    assert '"line_shop_id_fkey" FOREIGN KEY (shop_id) REFERENCES shop(id)' in d
    referenced = psql("\\d shop")
    assert "nextval('shop_id_seq'::regclass)" in referenced
    assert 'TABLE "line" CONSTRAINT "line_shop_id_fkey" FOREIGN KEY (shop_id) REFERENCES shop(id)' in referenced
    assert "item|text|yes|item" in psql("\\d shop_item")
    # Catalogs are read-only here (PostgreSQL lets a superuser write them; Orbit refuses).
    r = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(server.port("pg")), "-U", "postgres", "-X", "-c",
                        "DELETE FROM pg_namespace"], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "is a system catalog" in r.stderr


def test_tls_when_a_certificate_is_configured(make_server, tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=localhost"], check=True, capture_output=True)
    s = make_server(args=["--tls-cert", str(cert), "--tls-key", str(key)]).start()
    port = s.port("pg")
    c = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres", sslmode="require")
    assert c.info.ssl_in_use
    cur = c.cursor()
    cur.execute("SELECT 40 + 2")
    assert cur.fetchone() == (42,)
    c.close()
    plain = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres", sslmode="disable")
    assert not plain.info.ssl_in_use
    plain.close()
    out = subprocess.run(["psql", f"host=127.0.0.1 port={port} user=postgres sslmode=require", "-X", "-c", "\\conninfo"],
                         capture_output=True, text=True, timeout=30)
    assert "SSL connection" in out.stdout, out.stdout + out.stderr
    # Plain bytes pipelined behind SSLRequest are refused (CVE-2021-23214), and
    # the server is still up.
    with socket.create_connection(("127.0.0.1", port)) as raw:
        raw.sendall(struct.pack(">ii", 8, 80877103) + _startup())
        reply = raw.recv(65536)
        assert reply[:1] == b"E" and b"08P01" in reply
    again = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres", sslmode="require")
    again.close()


def test_tls_required_by_the_client_fails_without_a_certificate(server):
    with pytest.raises(psycopg2.OperationalError, match="does not support SSL"):
        psycopg2.connect(host="127.0.0.1", port=server.port("pg"), user="postgres", dbname="postgres", sslmode="require")
