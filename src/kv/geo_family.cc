// Geo commands: GEOADD, GEODIST, GEOHASH, GEOPOS, GEORADIUS, GEORADIUS_RO,
// GEORADIUSBYMEMBER, GEORADIUSBYMEMBER_RO, GEOSEARCH, GEOSEARCHSTORE.
//
// Points live in sorted sets scored by Redis's 52-bit geohash (latitude and
// longitude quantized to 26 bits each and interleaved), so a key written here
// reads the same in Redis and back. A search covers the shape with the 3x3
// geohash cells around its centre at a step estimated from its size, and scans
// each cell as a score range, exactly as Redis does: results, their order before
// sorting and every printed digit follow from doing the same floating point
// operations in the same order.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kv/command.h"
#include "kv/zset.h"
#include "protocol/resp/reply_builder.h"

namespace orbit::kv {
namespace {

// ---- geohash encoding ----

constexpr int kStepMax = 26;  // bits per coordinate: 52-bit scores
constexpr double kLatMin = -85.05112878;
constexpr double kLatMax = 85.05112878;
constexpr double kLonMin = -180;
constexpr double kLonMax = 180;

constexpr double kDegToRad = M_PI / 180.0;
constexpr double kEarthRadiusMeters = 6372797.560856;
constexpr double kMercatorMax = 20037726.37;

struct CoordRange {
  double min;
  double max;
};

constexpr CoordRange kLonRange{kLonMin, kLonMax};
constexpr CoordRange kLatRange{kLatMin, kLatMax};

// A cell: `step` bits per coordinate, latitude on the even bits, longitude on the odd ones.
struct HashBits {
  uint64_t bits = 0;
  int step = 0;
  bool IsZero() const { return bits == 0 && step == 0; }  // an excluded neighbour
};

struct Area {
  CoordRange lon;
  CoordRange lat;
};

struct LonLat {
  double lon;
  double lat;
};

uint64_t Interleave(uint32_t even, uint32_t odd) {
  uint64_t out = 0;
  for (int i = 0; i < 32; ++i) {
    out |= static_cast<uint64_t>((even >> i) & 1) << (2 * i);
    out |= static_cast<uint64_t>((odd >> i) & 1) << (2 * i + 1);
  }
  return out;
}

// The even bits of `v` compacted into the low 32 bits of the result, the odd ones into the high 32.
uint64_t Deinterleave(uint64_t v) {
  uint64_t even = 0, odd = 0;
  for (int i = 0; i < 32; ++i) {
    even |= ((v >> (2 * i)) & 1) << i;
    odd |= ((v >> (2 * i + 1)) & 1) << i;
  }
  return even | (odd << 32);
}

// nullopt outside the ranges (and outside Redis's limits, whatever the ranges).
std::optional<HashBits> Encode(CoordRange lon_range, CoordRange lat_range, double lon, double lat, int step) {
  if (lon > kLonMax || lon < kLonMin || lat > kLatMax || lat < kLatMin) return std::nullopt;
  if (lat < lat_range.min || lat > lat_range.max || lon < lon_range.min || lon > lon_range.max) return std::nullopt;
  double lat_offset = (lat - lat_range.min) / (lat_range.max - lat_range.min);
  double lon_offset = (lon - lon_range.min) / (lon_range.max - lon_range.min);
  lat_offset *= static_cast<double>(1ULL << step);
  lon_offset *= static_cast<double>(1ULL << step);
  return HashBits{Interleave(static_cast<uint32_t>(lat_offset), static_cast<uint32_t>(lon_offset)), step};
}

Area Decode(HashBits hash, CoordRange lon_range = kLonRange, CoordRange lat_range = kLatRange) {
  uint64_t separated = Deinterleave(hash.bits);
  auto lat_cell = static_cast<uint32_t>(separated);
  auto lon_cell = static_cast<uint32_t>(separated >> 32);
  double cells = static_cast<double>(1ULL << hash.step);
  double lat_scale = lat_range.max - lat_range.min;
  double lon_scale = lon_range.max - lon_range.min;
  // The +1 wraps in 32 bits, as it does in Redis.
  Area a;
  a.lat.min = lat_range.min + (lat_cell * 1.0 / cells) * lat_scale;
  a.lat.max = lat_range.min + (static_cast<uint32_t>(lat_cell + 1) * 1.0 / cells) * lat_scale;
  a.lon.min = lon_range.min + (lon_cell * 1.0 / cells) * lon_scale;
  a.lon.max = lon_range.min + (static_cast<uint32_t>(lon_cell + 1) * 1.0 / cells) * lon_scale;
  return a;
}

// Scores that are no geohash (any sorted set can be searched) convert to
// integers as they do in Redis on x86-64: cvttsd2si, which gives INT64_MIN out
// of range, and for unsigned results at or above 2^63 the same on score - 2^63.
constexpr double k2Pow63 = 9223372036854775808.0;

int64_t TruncateToInt64(double v) {
  if (std::isnan(v) || v >= k2Pow63 || v < -k2Pow63) return INT64_MIN;
  return static_cast<int64_t>(v);
}

uint64_t ScoreToBits(double score) {
  if (score >= k2Pow63) return static_cast<uint64_t>(TruncateToInt64(score - k2Pow63)) ^ (1ULL << 63);
  return static_cast<uint64_t>(TruncateToInt64(score));
}

// The centre of the score's cell, clamped to the valid coordinates.
LonLat DecodeScore(double score) {
  Area a = Decode(HashBits{ScoreToBits(score), kStepMax});
  LonLat p{(a.lon.min + a.lon.max) / 2, (a.lat.min + a.lat.max) / 2};
  p.lon = std::clamp(p.lon, kLonMin, kLonMax);
  p.lat = std::clamp(p.lat, kLatMin, kLatMax);
  return p;
}

// The score of a valid position (Redis writes it as an integer and ZADD parses it back).
double EncodeScore(LonLat p) {
  HashBits h = *Encode(kLonRange, kLatRange, p.lon, p.lat, kStepMax);
  return static_cast<double>(h.bits << (52 - h.step * 2));
}

// The standard 11-character geohash (latitude range -90..90) of a stored score.
std::string GeohashString(double score) {
  static constexpr char kAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  LonLat p = DecodeScore(score);
  HashBits h = Encode({-180, 180}, {-90, 90}, p.lon, p.lat, kStepMax).value_or(HashBits{0, kStepMax});
  std::string out(11, '0');  // 52 bits make 10 characters; the 11th is always '0'
  for (int i = 0; i < 10; ++i) out[static_cast<size_t>(i)] = kAlphabet[(h.bits >> (52 - (i + 1) * 5)) & 0x1f];
  return out;
}

// ---- neighbours ----

// Moves a cell one step east (+1) or west (-1): the odd (longitude) bits are
// incremented or decremented as one number.
HashBits MoveX(HashBits h, int d) {
  uint64_t x = h.bits & 0xaaaaaaaaaaaaaaaaULL;
  uint64_t y = h.bits & 0x5555555555555555ULL;
  uint64_t zz = 0x5555555555555555ULL >> (64 - h.step * 2);
  if (d > 0) {
    x = x + (zz + 1);
  } else {
    x = x | zz;
    x = x - (zz + 1);
  }
  x &= (0xaaaaaaaaaaaaaaaaULL >> (64 - h.step * 2));
  h.bits = x | y;
  return h;
}

// North (+1) or south (-1), on the even (latitude) bits.
HashBits MoveY(HashBits h, int d) {
  uint64_t x = h.bits & 0xaaaaaaaaaaaaaaaaULL;
  uint64_t y = h.bits & 0x5555555555555555ULL;
  uint64_t zz = 0xaaaaaaaaaaaaaaaaULL >> (64 - h.step * 2);
  if (d > 0) {
    y = y + (zz + 1);
  } else {
    y = y | zz;
    y = y - (zz + 1);
  }
  y &= (0x5555555555555555ULL >> (64 - h.step * 2));
  h.bits = x | y;
  return h;
}

struct Neighbors {
  HashBits north, south, east, west, north_east, north_west, south_east, south_west;
};

Neighbors NeighborsOf(HashBits h) {
  Neighbors n;
  n.east = MoveX(h, 1);
  n.west = MoveX(h, -1);
  n.south = MoveY(h, -1);
  n.north = MoveY(h, 1);
  n.north_west = MoveY(MoveX(h, -1), 1);
  n.south_west = MoveY(MoveX(h, -1), -1);
  n.north_east = MoveY(MoveX(h, 1), 1);
  n.south_east = MoveY(MoveX(h, 1), -1);
  return n;
}

// ---- distances ----

double DegToRad(double deg) { return deg * kDegToRad; }
double RadToDeg(double rad) { return rad / kDegToRad; }

double LatDistance(double lat1, double lat2) { return kEarthRadiusMeters * std::fabs(DegToRad(lat2) - DegToRad(lat1)); }

// Haversine great-circle distance in meters (on the same meridian: the latitude difference).
double Distance(double lon1, double lat1, double lon2, double lat2) {
  double lon1r = DegToRad(lon1);
  double lon2r = DegToRad(lon2);
  double v = std::sin((lon2r - lon1r) / 2);
  if (v == 0.0) return LatDistance(lat1, lat2);
  double lat1r = DegToRad(lat1);
  double lat2r = DegToRad(lat2);
  double u = std::sin((lat2r - lat1r) / 2);
  double a = u * u + std::cos(lat1r) * std::cos(lat2r) * v * v;
  return 2.0 * kEarthRadiusMeters * std::asin(std::sqrt(a));
}

// ---- search shapes ----

struct GeoShape {
  enum class Kind { kCircle, kBox } kind = Kind::kCircle;
  LonLat center{0, 0};
  double conversion = 1;  // meters per unit
  double radius = 0;      // in units
  double width = 0;       // in units
  double height = 0;
};

// The distance from the centre when `p` lies in the shape.
std::optional<double> DistanceIfWithin(const GeoShape& s, LonLat p) {
  if (s.kind == GeoShape::Kind::kCircle) {
    double d = Distance(s.center.lon, s.center.lat, p.lon, p.lat);
    if (d > s.radius * s.conversion) return std::nullopt;
    return d;
  }
  double width_m = s.width * s.conversion, height_m = s.height * s.conversion;
  if (LatDistance(s.center.lat, p.lat) > height_m / 2) return std::nullopt;
  if (Distance(p.lon, p.lat, s.center.lon, p.lat) > width_m / 2) return std::nullopt;
  return Distance(s.center.lon, s.center.lat, p.lon, p.lat);
}

// The cell size (step) for a search reaching `range_meters` from `lat`.
int EstimateStepsByRadius(double range_meters, double lat) {
  if (range_meters == 0) return kStepMax;
  int step = 1;
  while (range_meters < kMercatorMax) {
    range_meters *= 2;
    step++;
  }
  step -= 2;  // so that the range fits in most base cases
  if (lat > 66 || lat < -66) {  // cells narrow towards the poles
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  return std::clamp(step, 1, kStepMax);
}

// The shape's bounding box: a circle's or box's extent in latitude, and in
// longitude at the edge nearer the pole (where a degree is shortest).
Area BoundingBox(const GeoShape& s) {
  bool circle = s.kind == GeoShape::Kind::kCircle;
  double height = s.conversion * (circle ? s.radius : s.height / 2);
  double width = s.conversion * (circle ? s.radius : s.width / 2);
  double lat_delta = RadToDeg(height / kEarthRadiusMeters);
  double lon_delta_top = RadToDeg(width / kEarthRadiusMeters / std::cos(DegToRad(s.center.lat + lat_delta)));
  double lon_delta_bottom = RadToDeg(width / kEarthRadiusMeters / std::cos(DegToRad(s.center.lat - lat_delta)));
  double lon_delta = s.center.lat < 0 ? lon_delta_bottom : lon_delta_top;
  Area box;
  box.lon = {s.center.lon - lon_delta, s.center.lon + lon_delta};
  box.lat = {s.center.lat - lat_delta, s.center.lat + lat_delta};
  return box;
}

// The cells to scan, in Redis's order: the centre's cell, then N, S, E, W, NE,
// NW, SE, SW; cells the bounding box does not reach are zero (skipped).
std::vector<HashBits> CellsToSearch(const GeoShape& s) {
  Area bounds = BoundingBox(s);
  double radius_meters = s.kind == GeoShape::Kind::kCircle
                             ? s.radius
                             : std::sqrt((s.width / 2) * (s.width / 2) + (s.height / 2) * (s.height / 2));
  radius_meters *= s.conversion;
  int steps = EstimateStepsByRadius(radius_meters, s.center.lat);
  auto encode = [&](int step) { return Encode(kLonRange, kLatRange, s.center.lon, s.center.lat, step).value_or(HashBits{0, step}); };
  HashBits hash = encode(steps);
  Neighbors n = NeighborsOf(hash);
  Area area = Decode(hash);

  // Near a cell's edge the estimated step can be too fine for the neighbours to
  // cover the whole box: use cells twice as large then.
  bool decrease = Decode(n.north).lat.max < bounds.lat.max || Decode(n.south).lat.min > bounds.lat.min ||
                  Decode(n.east).lon.max < bounds.lon.max || Decode(n.west).lon.min > bounds.lon.min;
  if (steps > 1 && decrease) {
    steps--;
    hash = encode(steps);
    n = NeighborsOf(hash);
    area = Decode(hash);
  }
  if (steps >= 2) {  // drop the neighbours beyond the bounding box
    if (area.lat.min < bounds.lat.min) n.south = n.south_west = n.south_east = HashBits{};
    if (area.lat.max > bounds.lat.max) n.north = n.north_east = n.north_west = HashBits{};
    if (area.lon.min < bounds.lon.min) n.west = n.south_west = n.north_west = HashBits{};
    if (area.lon.max > bounds.lon.max) n.east = n.south_east = n.north_east = HashBits{};
  }
  return {hash, n.north, n.south, n.east, n.west, n.north_east, n.north_west, n.south_east, n.south_west};
}

struct GeoPoint {
  LonLat pos;
  double dist;  // meters while searching, then in the request's unit
  double score;
  std::string member;
};

// Appends the members of the cell's score range [min, max) that lie in the
// shape, in (score, member) order; stops at `limit` results (0: no limit).
void CollectCell(const ZSetValue& z, HashBits cell, const GeoShape& s, size_t limit, std::vector<GeoPoint>& out) {
  int shift = 52 - cell.step * 2;
  auto min = static_cast<double>(cell.bits << shift);
  auto max = static_cast<double>((cell.bits + 1) << shift);
  for (auto it = z.tree.lower_bound({min, std::string()}); it != z.tree.end() && it->first < max; ++it) {
    LonLat p = DecodeScore(it->first);
    if (auto d = DistanceIfWithin(s, p)) {
      out.push_back({p, *d, it->first, it->second});
      if (limit != 0 && out.size() >= limit) break;
    }
  }
}

std::vector<GeoPoint> SearchPoints(const ZSetValue& z, const GeoShape& s, size_t limit) {
  std::vector<GeoPoint> out;
  std::vector<HashBits> cells = CellsToSearch(s);
  std::optional<size_t> last;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (cells[i].IsZero()) continue;
    // With very large radii adjacent cells can coincide: scan each range once.
    if (last && cells[i].bits == cells[*last].bits && cells[i].step == cells[*last].step) continue;
    if (limit != 0 && out.size() >= limit) break;
    CollectCell(z, cells[i], s, limit, out);
    last = i;
  }
  return out;
}

// ---- sorting ----

using PointCmp = int (*)(const GeoPoint&, const GeoPoint&);

int CompareAsc(const GeoPoint& a, const GeoPoint& b) { return a.dist > b.dist ? 1 : a.dist == b.dist ? 0 : -1; }
int CompareDesc(const GeoPoint& a, const GeoPoint& b) { return a.dist > b.dist ? -1 : a.dist == b.dist ? 0 : 1; }

// Redis orders a COUNT-limited result with its partial quicksort (Bentley and
// McIlroy's three-way quicksort as in NetBSD's qsort, recursing only into the
// parts that overlap the kept prefix [keep_lo, keep_hi]; Redis 7.0's has no
// switch to insertion sort after a pass without swaps). Equal distances end up
// in an order only this exact sequence of swaps reproduces.
void PartialSort(std::vector<GeoPoint>& v, size_t base, size_t n, PointCmp cmp, size_t keep_lo, size_t keep_hi) {
  auto swap = [&](size_t a, size_t b) {
    if (a != b) std::swap(v[a], v[b]);
  };
  auto swap_runs = [&](size_t a, size_t b, size_t count) {
    for (size_t i = 0; i < count; ++i) swap(a + i, b + i);
  };
  auto c = [&](size_t a, size_t b) { return cmp(v[a], v[b]); };
  auto med3 = [&](size_t a, size_t b, size_t d) {
    return c(a, b) < 0 ? (c(b, d) < 0 ? b : (c(a, d) < 0 ? d : a)) : (c(b, d) > 0 ? b : (c(a, d) < 0 ? a : d));
  };
  auto insertion_sort = [&] {
    for (size_t m = base + 1; m < base + n; ++m) {
      for (size_t l = m; l > base && c(l - 1, l) > 0; --l) swap(l, l - 1);
    }
  };
  auto overlaps = [&](size_t start, size_t count) {
    size_t end = start + count;
    return !((keep_lo < start && keep_hi < start) || (keep_lo >= end && keep_hi >= end));
  };
  for (;;) {
    if (n < 7) return insertion_sort();
    size_t pm = base + n / 2;
    if (n > 7) {
      size_t pl = base, pn = base + n - 1;
      if (n > 40) {
        size_t d = n / 8;
        pl = med3(pl, pl + d, pl + 2 * d);
        pm = med3(pm - d, pm, pm + d);
        pn = med3(pn - 2 * d, pn - d, pn);
      }
      pm = med3(pl, pm, pn);
    }
    swap(base, pm);  // the pivot sits at base
    size_t pa = base + 1, pb = base + 1, pc = base + n - 1, pd = base + n - 1;
    for (;;) {
      int r;
      while (pb <= pc && (r = c(pb, base)) <= 0) {
        if (r == 0) swap(pa++, pb);
        ++pb;
      }
      while (pb <= pc && (r = c(pc, base)) >= 0) {
        if (r == 0) swap(pc, pd--);
        --pc;
      }
      if (pb > pc) break;
      swap(pb++, pc--);
    }
    size_t pn = base + n;
    size_t r = std::min(pa - base, pb - pa);
    swap_runs(base, pb - r, r);
    r = std::min(pd - pc, pn - pd - 1);
    swap_runs(pb, pn - r, r);
    if ((r = pb - pa) > 1 && overlaps(base, r)) PartialSort(v, base, r, cmp, keep_lo, keep_hi);
    if ((r = pd - pc) > 1) {
      base = pn - r;
      n = r;
      if (overlaps(base, n)) continue;
    }
    return;
  }
}

// Sorts all results (glibc's qsort is a stable merge sort) or, with a COUNT
// below the number of results, just the first `keep` as Redis does.
void SortPoints(std::vector<GeoPoint>& points, bool asc, size_t keep) {
  PointCmp cmp = asc ? CompareAsc : CompareDesc;
  if (keep == points.size()) {
    std::stable_sort(points.begin(), points.end(), [cmp](const GeoPoint& a, const GeoPoint& b) { return cmp(a, b) < 0; });
  } else if (keep > 0) {
    PartialSort(points, 0, points.size(), cmp, 0, keep - 1);
  }
}

// ---- replies and argument parsing ----

// Redis's fixed-point distance: the value times 10^4 rounded to an integer
// (llrint), printed with four decimals.
std::string FormatDistance(double d) {
  if (d == 0) return "0.0000";
  long long scaled = std::llrint(d * 10000.0);
  bool negative = scaled < 0;
  unsigned long long v = negative ? 0ULL - static_cast<unsigned long long>(scaled) : static_cast<unsigned long long>(scaled);
  std::string digits = std::to_string(v);
  if (digits.size() < 5) digits.insert(0, 5 - digits.size(), '0');
  digits.insert(digits.size() - 4, ".");
  return negative ? "-" + digits : digits;
}

// A coordinate as Redis's addReplyHumanLongDouble: %.17Lf trimmed, a bulk
// string in RESP2 and a double in RESP3.
void ReplyCoordinate(CommandContext& c, double v) {
  std::string text = FormatLongDouble(v);
  if (c.reply.protocol() < 3) return c.reply.Bulk(text);
  std::string& out = c.reply.buffer();
  out.push_back(',');
  out.append(text);
  out.append("\r\n");
}

std::string FormatCoordinateError(double lon, double lat) {
  const char* format = "ERR invalid longitude,latitude pair %f,%f";
  int n = std::snprintf(nullptr, 0, format, lon, lat);  // %f of 1e300 is 300 digits long
  std::string out(static_cast<size_t>(std::max(n, 0)) + 1, '\0');
  std::snprintf(out.data(), out.size(), format, lon, lat);
  out.pop_back();
  return out;
}

// Parses "longitude latitude" at args[i], args[i+1]; replies the error and returns nullopt.
std::optional<LonLat> ParseLonLat(CommandContext& c, size_t i) {
  LonLat p;
  if (!ParseDouble(c.arg(i), p.lon) || !ParseDouble(c.arg(i + 1), p.lat)) {
    c.NotFloat();
    return std::nullopt;
  }
  if (p.lon < kLonMin || p.lon > kLonMax || p.lat < kLatMin || p.lat > kLatMax) {
    c.reply.Error(FormatCoordinateError(p.lon, p.lat));
    return std::nullopt;
  }
  return p;
}

// Meters per unit (m, km, ft, mi); replies the error and returns nullopt.
std::optional<double> ParseUnit(CommandContext& c, std::string_view unit) {
  if (EqualsIgnoreCase(unit, "m")) return 1;
  if (EqualsIgnoreCase(unit, "km")) return 1000;
  if (EqualsIgnoreCase(unit, "ft")) return 0.3048;
  if (EqualsIgnoreCase(unit, "mi")) return 1609.34;
  c.reply.Error("ERR unsupported unit provided. please use M, KM, FT, MI");
  return std::nullopt;
}

// A float, or the command's own error message.
bool ParseNumber(CommandContext& c, std::string_view s, std::string_view error, double& out) {
  if (ParseDouble(s, out)) return true;
  c.reply.Error(error);
  return false;
}

// "radius unit" at args[i]: sets the shape's radius and conversion.
bool ParseRadius(CommandContext& c, size_t i, GeoShape& s) {
  double radius;
  if (!ParseNumber(c, c.arg(i), "ERR need numeric radius", radius)) return false;
  if (radius < 0) {
    c.reply.Error("ERR radius cannot be negative");
    return false;
  }
  s.radius = radius;
  auto unit = ParseUnit(c, c.arg(i + 1));
  if (!unit) return false;
  s.conversion = *unit;
  return true;
}

// "width height unit" at args[i].
bool ParseBox(CommandContext& c, size_t i, GeoShape& s) {
  double width, height;
  if (!ParseNumber(c, c.arg(i), "ERR need numeric width", width) ||
      !ParseNumber(c, c.arg(i + 1), "ERR need numeric height", height)) {
    return false;
  }
  if (height < 0 || width < 0) {
    c.reply.Error("ERR height or width cannot be negative");
    return false;
  }
  s.width = width;
  s.height = height;
  auto unit = ParseUnit(c, c.arg(i + 2));
  if (!unit) return false;
  s.conversion = *unit;
  return true;
}

std::optional<double> ScoreOf(const ZSetValue* z, std::string_view member) {
  if (z == nullptr) return std::nullopt;
  auto it = z->scores.find(std::string(member));
  if (it == z->scores.end()) return std::nullopt;
  return it->second;
}

// ---- commands ----

// GEOADD key [NX|XX] [CH] lon lat member [lon lat member ...]: ZADD with geohash scores.
void GeoAdd(CommandContext& c) {
  bool nx = false, xx = false, ch = false;
  size_t first = 2;
  for (; first < c.argc(); ++first) {
    std::string_view o = c.arg(first);
    if (EqualsIgnoreCase(o, "nx")) nx = true;
    else if (EqualsIgnoreCase(o, "xx")) xx = true;
    else if (EqualsIgnoreCase(o, "ch")) ch = true;
    else break;
  }
  size_t rest = c.argc() - first;
  if (rest == 0 || rest % 3 != 0 || (nx && xx)) return c.SyntaxError();
  std::vector<std::pair<double, std::string>> items;
  for (size_t i = first; i < c.argc(); i += 3) {
    auto p = ParseLonLat(c, i);
    if (!p) return;
    items.emplace_back(EncodeScore(*p), std::string(c.arg(i + 2)));
  }
  std::string_view key = c.arg(1);
  bool wrong;
  ZSetValue* z = c.FindOrCreate<ZSetValue>(key, false, wrong);
  if (wrong) return;
  if (z == nullptr && xx) return c.reply.Integer(0);
  if (z == nullptr) z = c.FindOrCreate<ZSetValue>(key, true, wrong);
  int64_t added = 0, changed = 0;
  for (const auto& [score, member] : items) {
    auto it = z->scores.find(member);
    bool exists = it != z->scores.end();
    if ((nx && exists) || (xx && !exists)) continue;
    if (exists && it->second == score) continue;
    ZSetPut(c, key, *z, member, score);
    ++(exists ? changed : added);
  }
  c.reply.Integer(ch ? added + changed : added);
}

// GEODIST key member1 member2 [unit]
void GeoDist(CommandContext& c) {
  double to_meters = 1;
  if (c.argc() == 5) {
    auto unit = ParseUnit(c, c.arg(4));
    if (!unit) return;
    to_meters = *unit;
  } else if (c.argc() > 5) {
    return c.SyntaxError();
  }
  bool wrong;
  ZSetValue* z = c.FindAs<ZSetValue>(c.arg(1), wrong);
  if (wrong) return;
  auto s1 = ScoreOf(z, c.arg(2)), s2 = ScoreOf(z, c.arg(3));
  if (!s1 || !s2) return c.reply.Null();
  LonLat a = DecodeScore(*s1), b = DecodeScore(*s2);
  c.reply.Bulk(FormatDistance(Distance(a.lon, a.lat, b.lon, b.lat) / to_meters));
}

// GEOHASH key [member ...]
void GeoHash(CommandContext& c) {
  bool wrong;
  ZSetValue* z = c.FindAs<ZSetValue>(c.arg(1), wrong);
  if (wrong) return;
  c.reply.ArrayHeader(c.argc() - 2);
  for (size_t i = 2; i < c.argc(); ++i) {
    auto score = ScoreOf(z, c.arg(i));
    score ? c.reply.Bulk(GeohashString(*score)) : c.reply.Null();
  }
}

// GEOPOS key [member ...]
void GeoPos(CommandContext& c) {
  bool wrong;
  ZSetValue* z = c.FindAs<ZSetValue>(c.arg(1), wrong);
  if (wrong) return;
  c.reply.ArrayHeader(c.argc() - 2);
  for (size_t i = 2; i < c.argc(); ++i) {
    auto score = ScoreOf(z, c.arg(i));
    if (!score) {
      c.reply.NullArray();
      continue;
    }
    LonLat p = DecodeScore(*score);
    c.reply.ArrayHeader(2);
    ReplyCoordinate(c, p.lon);
    ReplyCoordinate(c, p.lat);
  }
}

// Which search command runs (Redis's georadiusGeneric flags).
enum SearchFlag : uint32_t {
  kFromCoords = 1 << 0,   // GEORADIUS: key lon lat radius unit
  kFromMember = 1 << 1,   // GEORADIUSBYMEMBER: key member radius unit
  kNoStore = 1 << 2,      // the _RO variants
  kSearch = 1 << 3,       // GEOSEARCH syntax
  kSearchStore = 1 << 4,  // GEOSEARCHSTORE dest src ...
};

enum class Sort { kNone, kAsc, kDesc };

struct SearchOptions {
  GeoShape shape;
  bool with_dist = false, with_hash = false, with_coord = false;
  bool from_member = false, from_lonlat = false, by_radius = false, by_box = false;
  bool any = false;
  Sort sort = Sort::kNone;
  int64_t count = 0;  // 0: unlimited
  std::optional<std::string_view> store_key;
  bool store_dist = false;
};

// Parses the options from args[base] on, in Redis's order (so the first error
// replied is Redis's). `z` is the source, when it exists.
bool ParseSearchOptions(CommandContext& c, size_t base, uint32_t flags, const ZSetValue* z, SearchOptions& o) {
  bool search = flags & kSearch;
  bool can_store = !(flags & kNoStore) && !search;
  size_t n = c.argc();
  for (size_t i = base; i < n; ++i) {
    std::string_view a = c.arg(i);
    size_t left = n - i - 1;  // arguments after this one
    if (EqualsIgnoreCase(a, "withdist")) {
      o.with_dist = true;
    } else if (EqualsIgnoreCase(a, "withhash")) {
      o.with_hash = true;
    } else if (EqualsIgnoreCase(a, "withcoord")) {
      o.with_coord = true;
    } else if (EqualsIgnoreCase(a, "any")) {
      o.any = true;
    } else if (EqualsIgnoreCase(a, "asc")) {
      o.sort = Sort::kAsc;
    } else if (EqualsIgnoreCase(a, "desc")) {
      o.sort = Sort::kDesc;
    } else if (EqualsIgnoreCase(a, "count") && left >= 1) {
      if (!ParseInt64(c.arg(i + 1), o.count)) {
        c.NotInteger();
        return false;
      }
      if (o.count <= 0) {
        c.reply.Error("ERR COUNT must be > 0");
        return false;
      }
      ++i;
    } else if ((EqualsIgnoreCase(a, "store") || EqualsIgnoreCase(a, "storedist")) && left >= 1 && can_store) {
      o.store_key = c.arg(i + 1);
      o.store_dist = EqualsIgnoreCase(a, "storedist");
      ++i;
    } else if (EqualsIgnoreCase(a, "storedist") && (flags & kSearchStore)) {
      o.store_dist = true;
    } else if (EqualsIgnoreCase(a, "frommember") && left >= 1 && search && !o.from_lonlat) {
      // Without a source the member is not looked up; the reply is empty anyway.
      if (z != nullptr) {
        auto score = ScoreOf(z, c.arg(i + 1));
        if (!score) {
          c.reply.Error("ERR could not decode requested zset member");
          return false;
        }
        o.shape.center = DecodeScore(*score);
      }
      o.from_member = true;
      ++i;
    } else if (EqualsIgnoreCase(a, "fromlonlat") && left >= 2 && search && !o.from_member) {
      auto p = ParseLonLat(c, i + 1);
      if (!p) return false;
      o.shape.center = *p;
      o.from_lonlat = true;
      i += 2;
    } else if (EqualsIgnoreCase(a, "byradius") && left >= 2 && search && !o.by_box) {
      if (!ParseRadius(c, i + 1, o.shape)) return false;
      o.shape.kind = GeoShape::Kind::kCircle;
      o.by_radius = true;
      i += 2;
    } else if (EqualsIgnoreCase(a, "bybox") && left >= 3 && search && !o.by_radius) {
      if (!ParseBox(c, i + 1, o.shape)) return false;
      o.shape.kind = GeoShape::Kind::kBox;
      o.by_box = true;
      i += 3;
    } else {
      c.SyntaxError();
      return false;
    }
  }
  if (o.store_key && (o.with_dist || o.with_hash || o.with_coord)) {
    c.reply.Error(std::string("ERR ") + (flags & kSearchStore ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS") +
                  " is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
    return false;
  }
  if (search && !(o.from_member || o.from_lonlat)) {
    c.reply.Error("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + std::string(c.arg(0)));
    return false;
  }
  if (search && !(o.by_radius || o.by_box)) {
    c.reply.Error("ERR exactly one of BYRADIUS and BYBOX can be specified for " + std::string(c.arg(0)));
    return false;
  }
  if (o.any && o.count == 0) {
    c.reply.Error("ERR the ANY argument requires COUNT argument");
    return false;
  }
  return true;
}

void ReplyPoints(CommandContext& c, const SearchOptions& o, const std::vector<GeoPoint>& points) {
  size_t extra = (o.with_dist ? 1 : 0) + (o.with_hash ? 1 : 0) + (o.with_coord ? 1 : 0);
  c.reply.ArrayHeader(points.size());
  for (const GeoPoint& p : points) {
    if (extra > 0) c.reply.ArrayHeader(extra + 1);
    c.reply.Bulk(p.member);
    if (o.with_dist) c.reply.Bulk(FormatDistance(p.dist));
    if (o.with_hash) c.reply.Integer(TruncateToInt64(p.score));
    if (o.with_coord) {
      c.reply.ArrayHeader(2);
      ReplyCoordinate(c, p.pos.lon);
      ReplyCoordinate(c, p.pos.lat);
    }
  }
}

// Replaces `dest` with the results (scores: geohashes, or distances with
// STOREDIST); an empty result deletes it. Replies the number stored.
void StorePoints(CommandContext& c, std::string_view dest, bool store_dist, const std::vector<GeoPoint>& points) {
  c.Delete(dest);
  if (!points.empty()) {
    bool wrong;
    ZSetValue* out = c.FindOrCreate<ZSetValue>(dest, true, wrong);
    for (const GeoPoint& p : points) ZSetPut(c, dest, *out, p.member, store_dist ? p.dist : p.score);
  }
  c.reply.Integer(static_cast<int64_t>(points.size()));
}

// GEORADIUS, GEORADIUSBYMEMBER, their _RO variants, GEOSEARCH and GEOSEARCHSTORE.
void SearchGeneric(CommandContext& c, size_t src_index, uint32_t flags) {
  bool wrong;
  ZSetValue* z = c.FindAs<ZSetValue>(c.arg(src_index), wrong);
  if (wrong) return;

  SearchOptions o;
  size_t base;
  if (flags & kFromCoords) {
    base = 6;
    auto p = ParseLonLat(c, 2);
    if (!p) return;
    o.shape.center = *p;
    if (!ParseRadius(c, 4, o.shape)) return;
  } else if (flags & kFromMember) {
    base = 5;
    // Without a source the member and radius are not looked at: the reply is empty.
    if (z != nullptr) {
      auto score = ScoreOf(z, c.arg(2));
      if (!score) return c.reply.Error("ERR could not decode requested zset member");
      o.shape.center = DecodeScore(*score);
      if (!ParseRadius(c, 3, o.shape)) return;
    }
  } else {
    base = (flags & kSearchStore) ? 3 : 2;
    if (flags & kSearchStore) o.store_key = c.arg(1);
  }
  if (!ParseSearchOptions(c, base, flags, z, o)) return;

  if (z == nullptr) {
    if (!o.store_key) return c.reply.ArrayHeader(0);
    c.Delete(*o.store_key);
    return c.reply.Integer(0);
  }
  // COUNT without ANY wants the nearest ones: sort ascending unless told otherwise.
  if (o.count != 0 && o.sort == Sort::kNone && !o.any) o.sort = Sort::kAsc;

  std::vector<GeoPoint> points = SearchPoints(*z, o.shape, o.any ? static_cast<size_t>(o.count) : 0);
  if (points.empty() && !o.store_key) return c.reply.ArrayHeader(0);
  size_t keep = points.size();
  if (o.count != 0 && static_cast<uint64_t>(o.count) < keep) keep = static_cast<size_t>(o.count);
  if (o.sort != Sort::kNone) SortPoints(points, o.sort == Sort::kAsc, keep);
  points.resize(keep);
  for (GeoPoint& p : points) p.dist /= o.shape.conversion;

  if (o.store_key) return StorePoints(c, *o.store_key, o.store_dist, points);
  ReplyPoints(c, o, points);
}

void GeoRadius(CommandContext& c) { SearchGeneric(c, 1, kFromCoords); }
void GeoRadiusRo(CommandContext& c) { SearchGeneric(c, 1, kFromCoords | kNoStore); }
void GeoRadiusByMember(CommandContext& c) { SearchGeneric(c, 1, kFromMember); }
void GeoRadiusByMemberRo(CommandContext& c) { SearchGeneric(c, 1, kFromMember | kNoStore); }
void GeoSearch(CommandContext& c) { SearchGeneric(c, 1, kSearch); }
void GeoSearchStore(CommandContext& c) { SearchGeneric(c, 2, kSearch | kSearchStore); }

// GEORADIUS/GEORADIUSBYMEMBER keys. As Redis's key specs (what COMMAND GETKEYS
// shows): the source, and the keys after the first STORE and the first STOREDIST
// from `options_from` on. Plus the key the command really writes, the one after
// the last STORE or STOREDIST, which the specs miss when the option repeats.
std::vector<size_t> StoreKeys(std::span<const std::string_view> args, size_t options_from) {
  std::vector<size_t> keys{1};
  for (std::string_view keyword : {"store", "storedist"}) {
    for (size_t i = options_from; i < args.size(); ++i) {
      if (!EqualsIgnoreCase(args[i], keyword)) continue;
      if (i + 1 < args.size()) keys.push_back(i + 1);
      break;
    }
  }
  size_t written = 0;
  for (size_t i = options_from; i + 1 < args.size(); ++i) {
    if (EqualsIgnoreCase(args[i], "store") || EqualsIgnoreCase(args[i], "storedist")) written = ++i;
  }
  if (written != 0 && std::find(keys.begin(), keys.end(), written) == keys.end()) keys.push_back(written);
  return keys;
}

std::vector<size_t> GeoRadiusKeys(std::span<const std::string_view> args) { return StoreKeys(args, 6); }
std::vector<size_t> GeoRadiusByMemberKeys(std::span<const std::string_view> args) { return StoreKeys(args, 5); }

}  // namespace

void RegisterGeoFamily(CommandRegistry& r) {
  r.Register({"geoadd", -5, kWrite | kDenyOom, 1, 1, 1, GeoAdd, "geo", "Adds one or more members to a geospatial index. The key is created if it doesn't exist.", "3.2.0"});
  r.Register({"geodist", -4, kReadOnly, 1, 1, 1, GeoDist, "geo", "Returns the distance between two members of a geospatial index.", "3.2.0"});
  r.Register({"geohash", -2, kReadOnly, 1, 1, 1, GeoHash, "geo", "Returns members from a geospatial index as geohash strings.", "3.2.0"});
  r.Register({"geopos", -2, kReadOnly, 1, 1, 1, GeoPos, "geo", "Returns the longitude and latitude of members from a geospatial index.", "3.2.0"});
  r.Register({"georadius", -6, kWrite | kDenyOom, 1, 1, 1, GeoRadius, "geo", "Queries a geospatial index for members within a distance from a coordinate, optionally stores the result.", "3.2.0", GeoRadiusKeys});
  r.Register({"georadius_ro", -6, kReadOnly, 1, 1, 1, GeoRadiusRo, "geo", "Returns members from a geospatial index that are within a distance from a coordinate.", "3.2.10"});
  r.Register({"georadiusbymember", -5, kWrite | kDenyOom, 1, 1, 1, GeoRadiusByMember, "geo", "Queries a geospatial index for members within a distance from a member, optionally stores the result.", "3.2.0", GeoRadiusByMemberKeys});
  r.Register({"georadiusbymember_ro", -5, kReadOnly, 1, 1, 1, GeoRadiusByMemberRo, "geo", "Returns members from a geospatial index that are within a distance from a member.", "3.2.10"});
  r.Register({"geosearch", -7, kReadOnly, 1, 1, 1, GeoSearch, "geo", "Queries a geospatial index for members inside an area of a box or a circle.", "6.2.0"});
  r.Register({"geosearchstore", -8, kWrite | kDenyOom, 1, 2, 1, GeoSearchStore, "geo", "Queries a geospatial index for members inside an area of a box or a circle, optionally stores the result.", "6.2.0"});
}

}  // namespace orbit::kv
