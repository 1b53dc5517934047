#pragma once

// A small Prometheus metrics registry: counters, gauges and histograms with labels,
// rendered in the text exposition format 0.0.4. Every module registers its metrics
// in the server's registry; hot paths keep the returned reference and update it
// with one atomic operation. Values computed on demand (process, RocksDB
// properties) are refreshed by collectors that run before each scrape.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orbit::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Inc(double delta = 1.0) { value_.fetch_add(delta, std::memory_order_relaxed); }
  // Mirrors a monotonic counter kept elsewhere (/proc, RocksDB) at scrape time.
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Inc(double delta = 1.0) { value_.fetch_add(delta, std::memory_order_relaxed); }
  void Dec(double delta = 1.0) { value_.fetch_sub(delta, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double v);

  const std::vector<double>& upper_bounds() const { return bounds_; }
  // Cumulative count of observations <= upper_bounds()[i]; the last entry is +Inf.
  std::vector<uint64_t> CumulativeCounts() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1 (+Inf)
  std::atomic<double> sum_{0.0};
  std::atomic<uint64_t> count_{0};
};

// Default latency buckets in seconds (100 µs .. 10 s).
std::vector<double> LatencyBuckets();

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Returns the series for (name, labels), creating it on first use. Names must
  // match [a-zA-Z_:][a-zA-Z0-9_:]*; asking for one name with two types is a
  // programmer error and aborts.
  Counter& GetCounter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge& GetGauge(std::string_view name, std::string_view help, const Labels& labels = {});
  Histogram& GetHistogram(std::string_view name, std::string_view help,
                          const std::vector<double>& upper_bounds, const Labels& labels = {});

  // Runs before every Render(), e.g. to refresh gauges from /proc or RocksDB.
  void AddCollector(std::function<void()> collector);

  // The exposition text (Content-Type: text/plain; version=0.0.4).
  std::string Render();

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Family {
    Type type;
    std::string help;
    std::map<Labels, std::unique_ptr<Counter>> counters;
    std::map<Labels, std::unique_ptr<Gauge>> gauges;
    std::map<Labels, std::unique_ptr<Histogram>> histograms;
  };
  Family& GetFamily(std::string_view name, std::string_view help, Type type);

  std::mutex mu_;
  std::map<std::string, Family, std::less<>> families_;
  std::vector<std::function<void()>> collectors_;
};

// Formats a sample value as Prometheus expects (+Inf, -Inf, NaN, shortest exact).
std::string FormatValue(double v);

}  // namespace orbit::metrics
