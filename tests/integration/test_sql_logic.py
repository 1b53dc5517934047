"""The SQL logic corpus (tests/sql/*.test, sqllogictest format, expectations
checked against PostgreSQL 15) run against orbit-server's PostgreSQL listener.
One pytest case per file, each on a fresh server; see tests/sql/README.md."""

import io
import os
import sys

import pytest

from orbit_harness import ROOT

SQL_DIR = os.path.join(ROOT, "tests", "sql")
sys.path.insert(0, SQL_DIR)
import runner  # noqa: E402  (tests/sql/runner.py)

# Files run against Orbit: every file of the corpus. A file for a feature that
# is not built yet stays out of this list until it is.
ENABLED = [
    "select_constant.test",
    "ddl.test",
    "insert.test",
    "select_where.test",
    "order_limit.test",
    "update_delete.test",
    "aggregates.test",
    "transactions.test",
    "join.test",
    "catalog.test",
    "subquery.test",
    "upsert.test",
    "from_subquery.test",
    "setop.test",
    "view.test",
    "check.test",
    "foreign_key.test",
    "information_schema.test",
    "numeric_arith.test",
    "types_datetime.test",
    "types_misc.test",
    "types_equality.test",
    "table_functions.test",
    "session_catalog.test",
    "functions.test",
    "alter_constraint.test",
    "schema.test",
    "alter_column.test",
    "sequence.test",
    "drop_cascade.test",
    "types_array.test",
]


@pytest.mark.parametrize("name", ENABLED)
def test_sql_logic_file(server, name):
    out = io.StringIO()
    count, failures = runner.run_file(os.path.join(SQL_DIR, name), "127.0.0.1", server.port("pg"),
                                      "postgres", "postgres", out=out)
    assert failures == 0, f"{name}: {failures} of {count} records failed\n{out.getvalue()}"
    assert count > 0


def test_every_file_parses():
    """Format errors are caught even in files not enabled yet."""
    names = sorted(n for n in os.listdir(SQL_DIR) if n.endswith(".test"))
    assert set(ENABLED) <= set(names)
    for name in names:
        with open(os.path.join(SQL_DIR, name), encoding="utf-8") as f:
            assert runner.parse(f.read()), name
