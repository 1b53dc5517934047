#!/usr/bin/python3
"""Runs sqllogictest-style files against a PostgreSQL-wire server (Orbit or a
real PostgreSQL) through psycopg2, comparing PostgreSQL's *text output*.

Usage: runner.py --host H --port P [--user U] [--dbname D] FILE...

Each file runs on its own fresh connection with autocommit on, so BEGIN, COMMIT
and ROLLBACK written in a file are sent to the server verbatim. Exit status is 0
when every record of every file passes, 1 otherwise (2 for bad usage).

File format (records are separated by blank lines):

    # a comment line (ignored, like blank lines between records)

    statement ok
    CREATE TABLE t (a integer, b text);
    INSERT INTO t VALUES (1, 'x')

    statement error 23505
    INSERT INTO t VALUES (1, 'dup')

    query IT rowsort
    SELECT a, b FROM t
    ----
    1	x

    halt

* `statement ok`: the SQL (every line up to the next blank line; several
  statements separated by `;` are allowed) must succeed.
* `statement error [SQLSTATE]`: the SQL must fail; when a SQLSTATE is given the
  server's error code must equal it.
* `query <types> [nosort|rowsort]`: the SQL up to a `----` line is run, and its
  rows must equal the lines after `----` (up to the next blank line; no lines
  means no rows). One row per line, columns separated by a single TAB. Values
  are PostgreSQL's text output, untouched: NULL is written `NULL`, the empty
  string `(empty)`, booleans `t`/`f`, floats `1.5`, `1e+100`, `Infinity`.
  <types> has one letter per column: I integer, R float/numeric, T text,
  B boolean; only the column count is checked. `nosort` (the default) compares
  rows in order; `rowsort` sorts both the expected and the actual rows (as
  strings) before comparing.
* `halt`: stops the current file (the remaining records are skipped).

A failing record prints file:line, the SQL and expected vs. actual; the run
continues with the next record.
"""

import argparse
import sys

import psycopg2
import psycopg2.extensions

TYPE_LETTERS = set("IRTB")
SORT_MODES = ("nosort", "rowsort")


class Record:
    def __init__(self, kind, line, sql, **kw):
        self.kind = kind  # "statement", "query" or "halt"
        self.line = line  # 1-based line of the record's header
        self.sql = sql
        self.expect_error = kw.get("expect_error", False)
        self.sqlstate = kw.get("sqlstate")
        self.types = kw.get("types", "")
        self.sort = kw.get("sort", "nosort")
        self.expected = kw.get("expected", [])


class ParseError(Exception):
    def __init__(self, line, message):
        super().__init__(f"line {line}: {message}")
        self.line = line


def parse(text):
    """Returns the list of Records in `text`; raises ParseError."""
    lines = text.split("\n")
    records = []
    i = 0
    while i < len(lines):
        raw = lines[i]
        if not raw.strip() or raw.lstrip().startswith("#"):
            i += 1
            continue
        header_line = i + 1
        words = raw.split()
        i += 1
        if words == ["halt"]:
            records.append(Record("halt", header_line, ""))
            continue
        body = []  # SQL lines; stops at a blank line (or `----` for queries)
        while i < len(lines) and lines[i].strip() and lines[i].strip() != "----":
            body.append(lines[i])
            i += 1
        sql = "\n".join(body).strip()
        if not sql:
            raise ParseError(header_line, f"record '{raw.strip()}' has no SQL")
        if words[0] == "statement":
            if len(words) == 2 and words[1] == "ok":
                records.append(Record("statement", header_line, sql))
            elif words[1:2] == ["error"] and len(words) <= 3:
                state = words[2] if len(words) == 3 else None
                if state is not None and len(state) != 5:
                    raise ParseError(header_line, f"bad SQLSTATE '{state}'")
                records.append(Record("statement", header_line, sql, expect_error=True, sqlstate=state))
            else:
                raise ParseError(header_line, f"bad statement header '{raw.strip()}'")
            if i < len(lines) and lines[i].strip() == "----":
                raise ParseError(i + 1, "'----' after a statement (use query)")
        elif words[0] == "query":
            if len(words) not in (2, 3) or not set(words[1]) <= TYPE_LETTERS:
                raise ParseError(header_line, f"bad query header '{raw.strip()}' (types are I R T B)")
            sort = words[2] if len(words) == 3 else "nosort"
            if sort not in SORT_MODES:
                raise ParseError(header_line, f"unknown sort mode '{sort}'")
            if i >= len(lines) or lines[i].strip() != "----":
                raise ParseError(header_line, "query without a '----' line")
            i += 1
            expected = []
            while i < len(lines) and lines[i].strip():
                expected.append(lines[i].split("\t"))
                i += 1
            records.append(Record("query", header_line, sql, types=words[1], sort=sort, expected=expected))
        else:
            raise ParseError(header_line, f"unknown record '{raw.strip()}'")
    return records


def _raw_text(value, _cursor):
    return value  # PostgreSQL's text output, unchanged (None for NULL)


def connect(host, port, user, dbname):
    conn = psycopg2.connect(host=host, port=port, user=user, dbname=dbname, connect_timeout=10)
    conn.autocommit = True
    # Every type psycopg2 knows comes back as the server's text; unknown OIDs already do.
    raw = psycopg2.extensions.new_type(tuple(psycopg2.extensions.string_types), "RAW_TEXT", _raw_text)
    psycopg2.extensions.register_type(raw, conn)
    return conn


def format_value(v):
    if v is None:
        return "NULL"
    if v == "":
        return "(empty)"
    return str(v)


def format_rows(rows):
    return "\n".join("\t".join(r) for r in rows) if rows else "(no rows)"


class FileRun:
    def __init__(self, path, conn, out):
        self.path, self.conn, self.out = path, conn, out
        self.failures = 0

    def fail(self, rec, message, expected=None, actual=None):
        self.failures += 1
        w = self.out.write
        w(f"\nFAIL {self.path}:{rec.line}: {message}\n")
        w("  SQL:\n" + "".join(f"    {l}\n" for l in rec.sql.split("\n")))
        if expected is not None:
            w("  expected:\n" + "".join(f"    {l}\n" for l in expected.split("\n")))
            w("  actual:\n" + "".join(f"    {l}\n" for l in actual.split("\n")))

    def run(self, rec):
        cur = self.conn.cursor()
        try:
            cur.execute(rec.sql)  # no parameters: '%' in the SQL is sent as is
        except psycopg2.Error as e:
            if self.conn.closed:
                raise
            got = f"error {e.pgcode}: {(e.pgerror or str(e)).strip()}"
            if not rec.expect_error:
                self.fail(rec, "unexpected error", expected="success", actual=got)
            elif rec.sqlstate and e.pgcode != rec.sqlstate:
                self.fail(rec, "wrong SQLSTATE", expected=f"error {rec.sqlstate}", actual=got)
            return
        if rec.expect_error:
            self.fail(rec, "statement succeeded", expected=f"error {rec.sqlstate or ''}".strip(), actual="success")
            return
        if rec.kind == "statement":
            return
        if cur.description is None:
            self.fail(rec, "query returned no result set", expected=format_rows(rec.expected), actual="(command)")
            return
        actual = [[format_value(v) for v in row] for row in cur.fetchall()]
        expected = rec.expected
        if len(cur.description) != len(rec.types):
            names = ", ".join(d.name for d in cur.description)
            self.fail(rec, f"{len(cur.description)} columns ({names}), header says {len(rec.types)}",
                      expected=format_rows(expected), actual=format_rows(actual))
            return
        if rec.sort == "rowsort":
            actual, expected = sorted(actual), sorted(expected)
        if actual != expected:
            self.fail(rec, "wrong result", expected=format_rows(expected), actual=format_rows(actual))


def run_file(path, host, port, user, dbname, out=sys.stdout):
    """Runs one file on a fresh connection; returns (records run, failures)."""
    try:
        with open(path, encoding="utf-8") as f:
            records = parse(f.read())
    except (OSError, ParseError) as e:
        out.write(f"\nFAIL {path}: {e}\n")
        return 0, 1
    try:
        conn = connect(host, port, user, dbname)
    except psycopg2.Error as e:
        out.write(f"\nFAIL {path}: cannot connect: {str(e).strip()}\n")
        return 0, 1
    run, count = FileRun(path, conn, out), 0
    try:
        for rec in records:
            if rec.kind == "halt":
                break
            count += 1
            try:
                run.run(rec)
            except psycopg2.Error as e:  # the connection is gone: nothing more can run
                run.fail(rec, f"connection lost: {str(e).strip()}")
                break
    finally:
        conn.close()
    return count, run.failures


def main(argv=None):
    ap = argparse.ArgumentParser(description="Run sqllogictest-style files over the PostgreSQL wire protocol.")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--user", default="postgres")
    ap.add_argument("--dbname", default="postgres")
    ap.add_argument("files", nargs="+", metavar="FILE")
    args = ap.parse_args(argv)
    total_records = total_failures = 0
    for path in args.files:
        count, failures = run_file(path, args.host, args.port, args.user, args.dbname)
        total_records += count
        total_failures += failures
        print(f"{path}: {count} records, {failures} failed", flush=True)
    print(f"total: {total_records} records, {total_failures} failed")
    return 1 if total_failures else 0


if __name__ == "__main__":
    sys.exit(main())
