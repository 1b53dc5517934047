#include "sql/exec/analyze.h"

#include <algorithm>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "sql/exec/row_codec.h"
#include "sql/exec/storage_error.h"

namespace orbit::sql::exec {
namespace {

// Distinct non-null values of a column in the whole table, from the sample:
// exact when the sample is the table, else the Haas-Stokes estimator
// n*d / (n - f1 + f1*n/N) that PostgreSQL uses (d distinct values in a sample
// of n non-null values, f1 of them seen once, N non-null rows in the table).
double EstimateDistinct(size_t d, size_t f1, size_t n, double total) {
  if (n == 0) return 0;
  if (static_cast<double>(n) >= total) return static_cast<double>(d);
  if (f1 == d) return total;  // every sampled value unique: assume a unique column (-(1 - null_frac) below)
  if (f1 == 0) return static_cast<double>(d);  // every value seen twice or more: all were seen
  double nd = static_cast<double>(n) * static_cast<double>(d) /
              (static_cast<double>(n - f1) + static_cast<double>(f1) * static_cast<double>(n) / total);
  return std::clamp(nd, static_cast<double>(d), total);
}

}  // namespace

catalog::TableStats AnalyzeTable(storage::Transaction& txn, const catalog::TableDesc& table, size_t sample_rows) {
  std::vector<std::string> sample;
  std::mt19937_64 random(0x5eed);
  size_t rows = 0;
  auto it = txn.ScanPrefix(storage::ColumnFamily::kRows, catalog::RowPrefix(table.relfilenode));
  for (; it->Valid(); it->Next(), ++rows) {
    if (sample.size() < sample_rows) {
      sample.emplace_back(it->value());
    } else {  // Algorithm R: row i replaces a sampled one with probability k/(i+1)
      size_t j = std::uniform_int_distribution<size_t>(0, rows)(random);
      if (j < sample_rows) sample[j].assign(it->value());
    }
  }
  Check(it->status());

  catalog::TableStats stats;
  stats.rows = static_cast<double>(rows);
  std::vector<std::vector<Value>> decoded;
  decoded.reserve(sample.size());
  for (const auto& bytes : sample) {
    auto row = DecodeRow(bytes, table);
    if (!row) Throw("XX001", "invalid row in table \"" + table.name + "\"");
    decoded.push_back(std::move(*row));
  }
  for (size_t c = 0; c < table.columns.size(); ++c) {
    size_t nulls = 0, width = 0;
    std::unordered_map<std::string, size_t> counts;
    int16_t fixed = TypeLength(table.columns[c].type.id);
    for (const auto& row : decoded) {
      const Value& v = row[c];
      if (v.null) {
        ++nulls;
        continue;
      }
      // Variable-length values count their length header, as PostgreSQL's avg_width does.
      width += fixed > 0 ? static_cast<size_t>(fixed) : v.s.size() + (v.s.size() < 127 ? 1 : 4);
      ++counts[GroupKey({v})];  // equal exactly when SQL = says so (1.0 = 1.00)
    }
    size_t n = decoded.size() - nulls;
    size_t f1 = 0;
    for (const auto& [key, count] : counts) f1 += count == 1 ? 1 : 0;
    catalog::ColumnStats column;
    column.null_frac = decoded.empty() ? 0 : static_cast<double>(nulls) / static_cast<double>(decoded.size());
    column.avg_width = n == 0 ? 0 : static_cast<int32_t>(width / n);
    double total = stats.rows * (1 - column.null_frac);
    double nd = EstimateDistinct(counts.size(), f1, n, total);
    // As PostgreSQL stores it: a distinct count above a tenth of the rows
    // becomes minus a fraction, so it scales as the table grows.
    if (nd > 0.1 * stats.rows) nd = -(nd / stats.rows);
    column.n_distinct = nd;
    stats.columns[table.columns[c].name] = column;
  }
  return stats;
}

}  // namespace orbit::sql::exec
