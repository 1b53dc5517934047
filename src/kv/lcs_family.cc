// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]: the longest common
// subsequence of two string values, with Redis 7.0's dynamic-programming table
// and backtracking, so that among equally long answers the same one is chosen.

#include <algorithm>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "kv/command.h"
#include "kv/keyspace.h"

namespace orbit::kv {

namespace {

constexpr uint64_t kMaxBulkLength = 512u << 20;  // proto-max-bulk-len bounds the table

// A run of consecutive matching characters: a[a_start..a_end] equals
// b[b_start..b_end].
struct LcsMatch {
  uint32_t a_start, a_end, b_start, b_end;
  uint32_t length() const { return a_end - a_start + 1; }
};

struct LcsResult {
  uint32_t length = 0;
  std::string text;              // the subsequence itself
  std::vector<LcsMatch> matches;  // from the end of the strings backwards
};

// Table cells (a.size()+1) * (b.size()+1), each 4 bytes.
uint64_t LcsTableBytes(std::string_view a, std::string_view b) {
  return (static_cast<uint64_t>(a.size()) + 1) * (b.size() + 1) * sizeof(uint32_t);
}

// Computes the LCS; nothing if the table cannot be allocated. Matches shorter
// than `min_match_len` are left out of `matches`.
std::optional<LcsResult> ComputeLcs(std::string_view a, std::string_view b, uint64_t min_match_len) {
  const auto alen = static_cast<uint32_t>(a.size()), blen = static_cast<uint32_t>(b.size());
  const uint64_t cells = (uint64_t{alen} + 1) * (blen + 1);
  std::unique_ptr<uint32_t[]> table(new (std::nothrow) uint32_t[cells]);
  if (!table) return std::nullopt;
  // lcs(i, j): the LCS length of a[0..i) and b[0..j).
  auto lcs = [&](uint32_t i, uint32_t j) -> uint32_t& { return table[uint64_t{i} * (blen + 1) + j]; };
  for (uint32_t i = 0; i <= alen; ++i) {
    for (uint32_t j = 0; j <= blen; ++j) {
      if (i == 0 || j == 0) {
        lcs(i, j) = 0;
      } else if (a[i - 1] == b[j - 1]) {
        lcs(i, j) = lcs(i - 1, j - 1) + 1;
      } else {
        lcs(i, j) = std::max(lcs(i - 1, j), lcs(i, j - 1));
      }
    }
  }

  LcsResult result;
  result.length = lcs(alen, blen);
  result.text.resize(result.length);
  uint32_t left = result.length;  // characters of `text` still to fill, from the back
  std::optional<LcsMatch> run;     // the match being extended backwards
  auto emit = [&] {
    if (run->length() >= min_match_len) result.matches.push_back(*run);
    run.reset();
  };
  for (uint32_t i = alen, j = blen; i > 0 && j > 0;) {
    if (a[i - 1] == b[j - 1]) {
      result.text[--left] = a[i - 1];
      if (run) {  // the previous step matched at (i, j): the run grows backwards
        run->a_start = i - 1;
        run->b_start = j - 1;
      } else {
        run = LcsMatch{i - 1, i - 1, j - 1, j - 1};
      }
      --i;
      --j;
      if (i == 0 || j == 0) emit();
    } else {
      // Ties move along b, as Redis does.
      if (lcs(i - 1, j) > lcs(i, j - 1)) {
        --i;
      } else {
        --j;
      }
      if (run) emit();
    }
  }
  return result;
}

void Lcs(CommandContext& c) {
  Entry* ea = c.Find(c.arg(1));
  Entry* eb = c.Find(c.arg(2));
  if ((ea && ea->type() != ValueType::kString) || (eb && eb->type() != ValueType::kString)) {
    return c.reply.Error("ERR The specified keys must contain string values");
  }
  bool want_idx = false, want_len = false, with_match_len = false;
  int64_t min_match_len = 0;
  for (size_t i = 3; i < c.argc(); ++i) {
    std::string_view opt = c.arg(i);
    if (EqualsIgnoreCase(opt, "idx")) {
      want_idx = true;
    } else if (EqualsIgnoreCase(opt, "len")) {
      want_len = true;
    } else if (EqualsIgnoreCase(opt, "withmatchlen")) {
      with_match_len = true;
    } else if (EqualsIgnoreCase(opt, "minmatchlen") && i + 1 < c.argc()) {
      if (!ParseInt64(c.arg(++i), min_match_len)) return c.NotInteger();
      min_match_len = std::max<int64_t>(min_match_len, 0);
    } else {
      return c.SyntaxError();
    }
  }
  if (want_idx && want_len) return c.reply.Error("ERR If you want both the length and indexes, please just use IDX.");

  std::string_view a = ea ? std::string_view(std::get<std::string>(ea->data)) : std::string_view();
  std::string_view b = eb ? std::string_view(std::get<std::string>(eb->data)) : std::string_view();
  if (LcsTableBytes(a, b) > kMaxBulkLength) {
    return c.reply.Error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
  }
  std::optional<LcsResult> r = ComputeLcs(a, b, static_cast<uint64_t>(min_match_len));
  if (!r) return c.reply.Error("ERR Insufficient memory, failed allocating transient memory for LCS");

  if (want_len) return c.reply.Integer(r->length);
  if (!want_idx) return c.reply.Bulk(r->text);
  c.reply.MapHeader(2);
  c.reply.Bulk("matches");
  c.reply.ArrayHeader(r->matches.size());
  for (const LcsMatch& m : r->matches) {
    c.reply.ArrayHeader(with_match_len ? 3 : 2);
    c.reply.ArrayHeader(2);
    c.reply.Integer(m.a_start);
    c.reply.Integer(m.a_end);
    c.reply.ArrayHeader(2);
    c.reply.Integer(m.b_start);
    c.reply.Integer(m.b_end);
    if (with_match_len) c.reply.Integer(m.length());
  }
  c.reply.Bulk("len");
  c.reply.Integer(r->length);
}

}  // namespace

void RegisterLcsFamily(CommandRegistry& r) {
  r.Register({"lcs", -3, kReadOnly, 1, 2, 1, Lcs, "string", "Finds the longest common substring.", "7.0.0"});
}

}  // namespace orbit::kv
