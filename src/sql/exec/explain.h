#pragma once

// EXPLAIN: an operator tree as PostgreSQL-style indented text, and EXPLAIN
// ANALYZE's instruments (rows and time per operator, inclusive of inputs).

#include <string>
#include <vector>

#include "sql/exec/operators.h"

namespace orbit::sql::exec {

// Wraps every operator of the tree rooted at `root` in an instrument that
// counts the rows it returns and the time spent in its Next (inputs included).
void Instrument(OperatorPtr& root);

// One line per operator: the root unindented, each input under its parent as
// PostgreSQL prints them ("  ->  Seq Scan on t"). Instrumented trees add
// "(actual time=<ms> rows=<n> loops=1)".
std::vector<std::string> ExplainLines(Operator& root);

}  // namespace orbit::sql::exec
