// HSCAN, SSCAN, ZSCAN: cursor iteration over one collection, with the same
// hash-position cursor as SCAN (see ScanPosition in command.h).

#include "kv/command.h"
#include "kv/keyspace.h"
#include "protocol/resp/reply_builder.h"

namespace orbit::kv {
namespace {

template <typename T, typename Each>
void ScanCollection(CommandContext& c, Each&& each_item) {
  ScanArgs scan;
  if (!ParseScanArgs(c, 2, false, scan)) return;
  bool wrong;
  T* value = c.FindAs<T>(c.arg(1), wrong);
  if (wrong) return;
  std::vector<std::pair<uint64_t, const std::string*>> candidates;
  if (value) {
    each_item(*value, [&](const std::string& item) {
      uint64_t pos = ScanPosition(item);
      if (pos >= scan.cursor) candidates.emplace_back(pos, &item);
    });
  }
  uint64_t next = SelectScanPage(candidates, scan.count);
  std::vector<const std::string*> items;
  for (const auto& [pos, item] : candidates) {
    if (scan.pattern.empty() || GlobMatch(scan.pattern, *item)) items.push_back(item);
  }
  c.reply.ArrayHeader(2);
  c.reply.Bulk(std::to_string(next));
  if constexpr (std::is_same_v<T, SetValue>) {
    c.reply.ArrayHeader(items.size());
    for (const auto* m : items) c.reply.Bulk(*m);
  } else if constexpr (std::is_same_v<T, HashValue>) {
    c.reply.ArrayHeader(items.size() * 2);
    for (const auto* f : items) {
      c.reply.Bulk(*f);
      c.reply.Bulk(value->at(*f));
    }
  } else {
    c.reply.ArrayHeader(items.size() * 2);
    for (const auto* m : items) {
      c.reply.Bulk(*m);
      c.reply.Bulk(protocol::resp::FormatDouble(value->scores.at(*m)));
    }
  }
}

void HScan(CommandContext& c) {
  ScanCollection<HashValue>(c, [](const HashValue& h, auto&& emit) {
    for (const auto& [f, v] : h) emit(f);
  });
}

void SScan(CommandContext& c) {
  ScanCollection<SetValue>(c, [](const SetValue& s, auto&& emit) {
    for (const auto& m : s) emit(m);
  });
}

void ZScan(CommandContext& c) {
  ScanCollection<ZSetValue>(c, [](const ZSetValue& z, auto&& emit) {
    for (const auto& [m, score] : z.scores) emit(m);
  });
}

}  // namespace

void RegisterScanFamily(CommandRegistry& r) {
  r.Register({"hscan", -3, kReadOnly, 1, 1, 1, HScan, "hash", "Iterates over fields and values of a hash.", "2.8.0"});
  r.Register({"sscan", -3, kReadOnly, 1, 1, 1, SScan, "set", "Iterates over members of a set.", "2.8.0"});
  r.Register({"zscan", -3, kReadOnly, 1, 1, 1, ZScan, "sorted-set", "Iterates over members and scores of a sorted set.", "2.8.0"});
}

}  // namespace orbit::kv
