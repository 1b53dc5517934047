#pragma once

// ANALYZE: a table's row count and per-column statistics (null fraction,
// average width, distinct values) from a uniform sample of its rows, as
// PostgreSQL's analyze.c computes them. The planner reads them from the table
// descriptor to choose indexes and join build sides.

#include <cstddef>

#include "catalog/catalog.h"
#include "storage/transaction.h"

namespace orbit::sql::exec {

// PostgreSQL's sample size at default_statistics_target 100 (300 × 100 rows).
constexpr size_t kAnalyzeSampleRows = 30000;

// Reads every row key of `table` (for the count) and decodes a reservoir
// sample of at most `sample_rows` rows (fixed seed: repeatable results).
catalog::TableStats AnalyzeTable(storage::Transaction& txn, const catalog::TableDesc& table,
                                 size_t sample_rows = kAnalyzeSampleRows);

}  // namespace orbit::sql::exec
