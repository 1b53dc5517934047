#pragma once

// How table rows are stored (ADR 005, decision 4): key = RowPrefix(relfilenode)
// followed by the primary-key columns in order-preserving encoding (or the
// hidden row id), value = a column count then, per column, a null byte and the
// payload (int64 and double little-endian, strings as varint length + bytes).
// Every column is in the value, so a scan decodes values only.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "common/result.h"
#include "sql/exec/vector.h"

namespace orbit::sql::exec {

std::string EncodeRowKey(const catalog::TableDesc& table, const std::vector<Value>& row, int64_t rowid);
// The row-key prefix of rows whose first primary-key column is `v`.
std::string EncodeRowKeyPrefix(const catalog::TableDesc& table, const Value& first_key_value);
std::string EncodeRow(const std::vector<Value>& row);

// Secondary index entries (see catalog::IndexDesc): the key and value that
// `row`, stored under `row_key`, has in `index`.
struct IndexEntry {
  std::string key;
  std::string value;
  bool unique_layout = false;  // unique index and no NULL among the values: the key alone must be unique
};
IndexEntry EncodeIndexEntry(const catalog::IndexDesc& index, const std::vector<Value>& row, std::string_view row_key);
// The key prefix of the entries whose first values are `values`.
std::string EncodeIndexPrefix(const catalog::IndexDesc& index, const std::vector<Value>& values);
// The row key an index entry points at; nullopt for a malformed entry.
std::optional<std::string> IndexEntryRowKey(const catalog::IndexDesc& index, std::string_view key,
                                            std::string_view value);
// A string-slot value's canonical bytes for equality (numeric, char(n), interval,
// jsonb, arrays: see GroupKey); other values' slots as they are.
std::string EqualityKey(const Value& v);
// A hash key for GROUP BY and DISTINCT: equal for values SQL calls equal
// (numeric 1.0 and 1.00, float -0 and 0, every NaN, '1 day' and '24 hours',
// jsonb 1.0 and 1, arrays of those), unlike EncodeRow.
std::string GroupKey(const std::vector<Value>& row);

// Decodes a stored row into row `index` of the table's columns in `out`
// (columns [0, table.columns.size())). Rows written before a column existed
// read that column as NULL. Returns false on a corrupt value.
bool DecodeRowInto(std::string_view bytes, const catalog::TableDesc& table, Batch& out, size_t index);
std::optional<std::vector<Value>> DecodeRow(std::string_view bytes, const catalog::TableDesc& table);

}  // namespace orbit::sql::exec
