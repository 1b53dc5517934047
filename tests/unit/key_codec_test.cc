// Property tests for the order-preserving key codec: byte order equals value order,
// and decoding inverts encoding.

#include "storage/key_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

namespace orbit::storage {
namespace {

int Rank(const KeyValue& v) {
  switch (v.index()) {
    case 0: return std::get<Null>(v).order == NullOrder::kNullsFirst ? 0 : 7;
    default: return static_cast<int>(v.index());  // bool=1 .. bytes=6
  }
}

int Sign(auto a, auto b) { return a < b ? -1 : (a > b ? 1 : 0); }

int CompareDouble(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return Sign(std::isnan(a), std::isnan(b));
  return Sign(a, b);  // -0.0 == 0.0
}

int CompareBytes(const std::string& a, const std::string& b) {
  int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  if (c != 0) return c < 0 ? -1 : 1;
  return Sign(a.size(), b.size());
}

// Reference comparison of two elements, from the values alone.
int CompareElement(const KeyElement& a, const KeyElement& b) {
  int c = Sign(Rank(a.value), Rank(b.value));
  if (c == 0) {
    switch (a.value.index()) {
      case 1: c = Sign(std::get<bool>(a.value), std::get<bool>(b.value)); break;
      case 2: c = Sign(std::get<int64_t>(a.value), std::get<int64_t>(b.value)); break;
      case 3: c = CompareDouble(std::get<double>(a.value), std::get<double>(b.value)); break;
      case 4: c = Sign(std::get<Timestamp>(a.value).micros, std::get<Timestamp>(b.value).micros); break;
      case 5: c = CompareBytes(std::get<std::string>(a.value), std::get<std::string>(b.value)); break;
      case 6: c = CompareBytes(std::get<Bytes>(a.value).data, std::get<Bytes>(b.value).data); break;
      default: break;
    }
  }
  return a.order == SortOrder::kDescending ? -c : c;
}

int CompareTuple(const std::vector<KeyElement>& a, const std::vector<KeyElement>& b) {
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    int c = CompareElement(a[i], b[i]);
    if (c != 0) return c;
  }
  return Sign(a.size(), b.size());
}

class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  KeyValue Value() {
    switch (Pick(8)) {
      case 0: return Null{Pick(2) ? NullOrder::kNullsFirst : NullOrder::kNullsLast};
      case 1: return Pick(2) == 1;
      case 2: return Int();
      case 3: return Double();
      case 4: return Timestamp{Int()};
      case 5: return String();
      case 6: return Bytes{String()};
      default: return Int();
    }
  }

  std::vector<KeyElement> Tuple(const std::vector<SortOrder>& orders) {
    std::vector<KeyElement> t;
    size_t n = 1 + Pick(orders.size());
    for (size_t i = 0; i < n; ++i) t.push_back({Value(), orders[i]});
    return t;
  }

  size_t Pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

 private:
  int64_t Int() {
    static constexpr int64_t kEdges[] = {0, 1, -1, std::numeric_limits<int64_t>::min(),
                                         std::numeric_limits<int64_t>::max(), 255, 256, -256};
    if (Pick(4) == 0) return kEdges[Pick(std::size(kEdges))];
    return static_cast<int64_t>(rng_()) * (Pick(2) ? 1 : -1) + static_cast<int64_t>(Pick(100));
  }
  double Double() {
    static constexpr double kEdges[] = {0.0, -0.0, 1.0, -1.0, std::numeric_limits<double>::infinity(),
                                        -std::numeric_limits<double>::infinity(),
                                        std::numeric_limits<double>::quiet_NaN(),
                                        std::numeric_limits<double>::denorm_min(),
                                        -std::numeric_limits<double>::max(), 1e-300};
    if (Pick(3) == 0) return kEdges[Pick(std::size(kEdges))];
    return std::uniform_real_distribution<double>(-1e6, 1e6)(rng_);
  }
  std::string String() {
    // Small alphabet including 0x00 and 0xff so escapes and prefixes collide often.
    static constexpr char kAlphabet[] = {'\0', '\x01', 'a', 'b', '\xff', '\xfe'};
    std::string s;
    size_t n = Pick(6);
    for (size_t i = 0; i < n; ++i) s.push_back(kAlphabet[Pick(sizeof(kAlphabet))]);
    return s;
  }

  std::mt19937_64 rng_;
};

TEST(KeyCodec, ByteOrderMatchesValueOrder) {
  for (uint32_t seed = 1; seed <= 200; ++seed) {
    Generator gen(seed);
    std::vector<SortOrder> orders;
    for (int i = 0; i < 4; ++i) orders.push_back(gen.Pick(2) ? SortOrder::kAscending : SortOrder::kDescending);
    std::vector<std::vector<KeyElement>> tuples;
    for (int i = 0; i < 200; ++i) tuples.push_back(gen.Tuple(orders));

    std::vector<std::pair<std::string, size_t>> encoded;
    for (size_t i = 0; i < tuples.size(); ++i) encoded.emplace_back(EncodeKey(tuples[i]), i);
    std::sort(encoded.begin(), encoded.end());
    for (size_t i = 1; i < encoded.size(); ++i) {
      const auto& a = tuples[encoded[i - 1].second];
      const auto& b = tuples[encoded[i].second];
      int by_bytes = encoded[i - 1].first == encoded[i].first ? 0 : -1;
      ASSERT_EQ(CompareTuple(a, b), by_bytes) << "seed " << seed << " at " << i;
    }
  }
}

TEST(KeyCodec, RoundTrip) {
  Generator gen(42);
  for (int i = 0; i < 20000; ++i) {
    std::vector<SortOrder> orders(4, gen.Pick(2) ? SortOrder::kAscending : SortOrder::kDescending);
    auto tuple = gen.Tuple(orders);
    std::string bytes = EncodeKey(tuple);
    auto decoded = DecodeKey(bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.error().ToString();
    ASSERT_EQ(decoded->size(), tuple.size());
    for (size_t j = 0; j < tuple.size(); ++j) {
      EXPECT_EQ(CompareElement((*decoded)[j], tuple[j]), 0);
      EXPECT_EQ((*decoded)[j].order, tuple[j].order);
      EXPECT_EQ((*decoded)[j].value.index(), tuple[j].value.index());
    }
    EXPECT_EQ(EncodeKey(*decoded), bytes);
  }
}

TEST(KeyCodec, CanonicalDoubles) {
  EXPECT_EQ(KeyEncoder().AddDouble(-0.0).bytes(), KeyEncoder().AddDouble(0.0).bytes());
  double nan1 = std::numeric_limits<double>::quiet_NaN();
  double nan2 = -std::numeric_limits<double>::signaling_NaN();
  EXPECT_EQ(KeyEncoder().AddDouble(nan1).bytes(), KeyEncoder().AddDouble(nan2).bytes());
  EXPECT_GT(KeyEncoder().AddDouble(nan1).bytes(),
            KeyEncoder().AddDouble(std::numeric_limits<double>::infinity()).bytes());
}

TEST(KeyCodec, RejectsMalformedInput) {
  EXPECT_FALSE(DecodeKey(std::string("\x10\x00\x01", 3)).ok());          // truncated int
  EXPECT_FALSE(DecodeKey(std::string("\x20" "ab", 3)).ok());            // unterminated string
  EXPECT_FALSE(DecodeKey(std::string("\x20" "a\x00\x05", 4)).ok());     // bad escape
  EXPECT_FALSE(DecodeKey(std::string("\x55", 1)).ok());                 // unknown tag
  std::string nan_noncanonical = KeyEncoder().AddDouble(1.0).bytes();
  nan_noncanonical[1] = '\xff';
  nan_noncanonical[2] = '\xff';  // a NaN with a payload other than the canonical one
  EXPECT_FALSE(DecodeKey(nan_noncanonical).ok());
}

TEST(KeyCodec, PrefixSuccessor) {
  EXPECT_EQ(PrefixSuccessor("ab"), "ac");
  EXPECT_EQ(PrefixSuccessor(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixSuccessor(std::string("\xff\xff", 2)), "");
  std::string p = KeyEncoder().AddString("user").bytes();
  std::string inside = KeyEncoder().AddString("user").AddInt(7).bytes();
  EXPECT_LT(p, inside);
  EXPECT_LT(inside, PrefixSuccessor(p));
}

}  // namespace
}  // namespace orbit::storage
