#include "sql/exec/row_codec.h"

#include "sql/types/array.h"
#include "sql/types/datetime.h"
#include "sql/types/json.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "storage/key_codec.h"

namespace orbit::sql::exec {
namespace {

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

bool GetVarint(std::string_view& in, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    auto byte = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    v |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

template <typename T>
void PutFixed(std::string& out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));  // little-endian on every platform Orbit builds for
  out.append(buf, sizeof(T));
}

template <typename T>
bool GetFixed(std::string_view& in, T& v) {
  if (in.size() < sizeof(T)) return false;
  std::memcpy(&v, in.data(), sizeof(T));
  in.remove_prefix(sizeof(T));
  return true;
}

}  // namespace

namespace {

// One value as a key element (NULL sorts last, as PostgreSQL's ascending indexes).
void AddKeyValue(storage::KeyEncoder& key, const Value& v) {
  if (v.null) {
    key.AddNull(storage::NullOrder::kNullsLast);
    return;
  }
  switch (Physical(v.type.id)) {
    case PhysicalType::kInt64:
      if (v.type.id == TypeId::kBool) key.AddBool(v.i != 0);
      else key.AddInt(v.i);
      break;
    case PhysicalType::kDouble: key.AddDouble(v.f); break;
    case PhysicalType::kString:
      if (v.type.id == TypeId::kInterval) {  // '1 day' and '24 hours' are one key
        key.AddBytes(IntervalKey(DecodeInterval(v.s)));
      } else if (v.type.id == TypeId::kJsonb) {  // 1.0 and 1 are one key
        key.AddString(JsonbEqualityKey(v.s));
      } else if (v.type.id == TypeId::kBpchar) {  // trailing spaces are insignificant in char(n)
        std::string_view s = v.s;
        while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
        key.AddString(s);
      } else {
        key.AddString(v.s);
      }
      break;
  }
}

}  // namespace

std::string EncodeRowKey(const catalog::TableDesc& table, const std::vector<Value>& row, int64_t rowid) {
  storage::KeyEncoder key(catalog::RowPrefix(table.relfilenode));
  if (table.primary_key.empty()) {
    key.AddInt(rowid);
    return key.Release();
  }
  for (int col : table.primary_key) AddKeyValue(key, row[static_cast<size_t>(col)]);
  return key.Release();
}

std::string EncodeRowKeyPrefix(const catalog::TableDesc& table, const Value& v) {
  storage::KeyEncoder key(catalog::RowPrefix(table.relfilenode));
  AddKeyValue(key, v);
  return key.Release();
}

IndexEntry EncodeIndexEntry(const catalog::IndexDesc& index, const std::vector<Value>& row, std::string_view row_key) {
  IndexEntry entry;
  storage::KeyEncoder key(catalog::RowPrefix(index.relfilenode));
  bool any_null = false;
  for (int col : index.columns) {
    const Value& v = row[static_cast<size_t>(col)];
    any_null |= v.null;
    AddKeyValue(key, v);
  }
  entry.unique_layout = index.unique && !any_null;
  if (entry.unique_layout) {
    entry.value = std::string(row_key);
  } else {
    key.AddBytes(row_key);
  }
  entry.key = key.Release();
  return entry;
}

std::string EncodeIndexPrefix(const catalog::IndexDesc& index, const std::vector<Value>& values) {
  storage::KeyEncoder key(catalog::RowPrefix(index.relfilenode));
  for (const auto& v : values) AddKeyValue(key, v);
  return key.Release();
}

std::optional<std::string> IndexEntryRowKey(const catalog::IndexDesc& index, std::string_view key,
                                            std::string_view value) {
  std::string prefix = catalog::RowPrefix(index.relfilenode);
  if (!key.starts_with(prefix)) return std::nullopt;
  storage::KeyDecoder decoder(key.substr(prefix.size()));
  for (size_t i = 0; i < index.columns.size(); ++i) {
    if (!decoder.Next().ok()) return std::nullopt;
  }
  if (decoder.AtEnd()) return std::string(value);  // unique layout: the value is the row key
  auto last = decoder.Next();
  if (!last.ok() || !decoder.AtEnd()) return std::nullopt;
  const auto* bytes = std::get_if<storage::Bytes>(&last->value);
  if (bytes == nullptr) return std::nullopt;
  return bytes->data;
}

// The first byte of every row value: its layout version.
constexpr char kRowFormat = 1;

std::string EncodeRow(const std::vector<Value>& row) {
  std::string out;
  out.push_back(kRowFormat);
  PutVarint(out, row.size());
  for (const auto& v : row) {
    out.push_back(v.null ? 0 : 1);
    if (v.null) continue;
    switch (Physical(v.type.id)) {
      case PhysicalType::kInt64: PutFixed(out, v.i); break;
      case PhysicalType::kDouble: PutFixed(out, v.f); break;
      case PhysicalType::kString:
        PutVarint(out, v.s.size());
        out += v.s;
        break;
    }
  }
  return out;
}

namespace {

// Rewrites a non-NULL value so that values SQL `=` calls equal become identical:
// 1.50 and 1.5, 'a ' and 'a' in char(n), '1 day' and '24 hours', jsonb 1.0 and 1,
// -0 and 0, and arrays element by element.
void MakeCanonical(Value& v) {
  if (v.null) return;
  if (v.type.id == TypeId::kNumeric && v.s != "NaN") {
    if (v.s.find('.') != std::string::npos) {
      while (v.s.back() == '0') v.s.pop_back();
      if (v.s.back() == '.') v.s.pop_back();
    }
    if (v.s == "-0") v.s = "0";
  } else if (v.type.id == TypeId::kBpchar) {
    while (!v.s.empty() && v.s.back() == ' ') v.s.pop_back();
  } else if (v.type.id == TypeId::kInterval) {
    v.s = IntervalKey(DecodeInterval(v.s));
  } else if (v.type.id == TypeId::kJsonb) {
    v.s = JsonbEqualityKey(v.s);
  } else if (v.type.id == TypeId::kArray) {
    std::vector<Value> elements = ArrayElements(v);
    std::string key;
    for (auto& e : elements) {
      MakeCanonical(e);
      key += EncodeRow({e});  // self-delimiting, so element boundaries stay distinct
    }
    v.s = key;
  } else if (Physical(v.type.id) == PhysicalType::kDouble) {
    if (v.f == 0) v.f = 0;  // -0 groups with 0
    if (std::isnan(v.f)) v.f = std::numeric_limits<double>::quiet_NaN();
  }
}

}  // namespace

std::string EqualityKey(const Value& v) {
  Value canonical = v;
  MakeCanonical(canonical);
  return canonical.s;
}

std::string GroupKey(const std::vector<Value>& row) {
  std::vector<Value> canonical = row;
  for (auto& v : canonical) MakeCanonical(v);
  return EncodeRow(canonical);
}

bool DecodeRowInto(std::string_view in, const catalog::TableDesc& table, Batch& out, size_t index) {
  if (in.empty() || in.front() != kRowFormat) return false;
  in.remove_prefix(1);
  uint64_t count = 0;
  if (!GetVarint(in, count)) return false;
  for (size_t c = 0; c < table.columns.size(); ++c) {
    Vector& col = out.columns[c];
    if (c >= count) {  // a column added after this row was written: its ADD-time default
      const auto& missing = table.columns[c].missing_text;
      col.Set(index, missing ? FromText(*missing, table.columns[c].type) : Value::Null(table.columns[c].type));
      continue;
    }
    if (in.empty()) return false;
    bool present = in.front() != 0;
    in.remove_prefix(1);
    col.SetNull(index, !present);
    if (!present) continue;
    switch (col.physical()) {
      case PhysicalType::kInt64:
        if (!GetFixed(in, col.Int(index))) return false;
        break;
      case PhysicalType::kDouble:
        if (!GetFixed(in, col.Double(index))) return false;
        break;
      case PhysicalType::kString: {
        uint64_t len = 0;
        if (!GetVarint(in, len) || len > in.size()) return false;
        col.String(index).assign(in.data(), len);
        in.remove_prefix(len);
        break;
      }
    }
  }
  return true;
}

std::optional<std::vector<Value>> DecodeRow(std::string_view bytes, const catalog::TableDesc& table) {
  Batch b;
  std::vector<LogicalType> types;
  for (const auto& c : table.columns) types.push_back(c.type);
  b.Reset(types);
  for (auto& c : b.columns) c.Resize(1);
  b.count = 1;
  if (!DecodeRowInto(bytes, table, b, 0)) return std::nullopt;
  return b.Row(0);
}

}  // namespace orbit::sql::exec
