// Exposition format of the metrics registry.

#include "common/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

namespace orbit::metrics {
namespace {

TEST(Metrics, RendersCountersGaugesWithLabelsAndEscaping) {
  Registry r;
  r.GetCounter("orbit_requests_total", "Requests.\nSecond line", {{"protocol", "redis"}}).Inc(3);
  r.GetCounter("orbit_requests_total", "Requests.", {{"protocol", "pg\"x\\"}}).Inc();
  r.GetGauge("orbit_temp", "A gauge.").Set(-1.5);
  std::string text = r.Render();
  EXPECT_NE(text.find("# HELP orbit_requests_total Requests.\\nSecond line\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE orbit_requests_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("orbit_requests_total{protocol=\"redis\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("orbit_requests_total{protocol=\"pg\\\"x\\\\\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE orbit_temp gauge\norbit_temp -1.5\n"), std::string::npos) << text;
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  Registry r;
  auto& h = r.GetHistogram("orbit_latency_seconds", "Latency.", {0.1, 1}, {{"op", "get"}});
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(0.5);
  h.Observe(7);
  std::string text = r.Render();
  EXPECT_NE(text.find("orbit_latency_seconds_bucket{op=\"get\",le=\"0.1\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("orbit_latency_seconds_bucket{op=\"get\",le=\"1\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("orbit_latency_seconds_bucket{op=\"get\",le=\"+Inf\"} 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("orbit_latency_seconds_sum{op=\"get\"} 8.05\n"), std::string::npos) << text;
  EXPECT_NE(text.find("orbit_latency_seconds_count{op=\"get\"} 4\n"), std::string::npos) << text;
}

TEST(Metrics, SameSeriesIsReturnedTwiceAndCollectorsRunBeforeRender) {
  Registry r;
  auto& a = r.GetGauge("orbit_g", "G.", {{"k", "v"}});
  auto& b = r.GetGauge("orbit_g", "G.", {{"k", "v"}});
  EXPECT_EQ(&a, &b);
  int calls = 0;
  r.AddCollector([&] { a.Set(++calls); });
  EXPECT_NE(r.Render().find("orbit_g{k=\"v\"} 1\n"), std::string::npos);
  EXPECT_NE(r.Render().find("orbit_g{k=\"v\"} 2\n"), std::string::npos);
}

TEST(Metrics, SpecialValues) {
  EXPECT_EQ(FormatValue(INFINITY), "+Inf");
  EXPECT_EQ(FormatValue(-INFINITY), "-Inf");
  EXPECT_EQ(FormatValue(NAN), "NaN");
  EXPECT_EQ(FormatValue(42), "42");
  EXPECT_EQ(FormatValue(0.1), "0.1");
}

}  // namespace
}  // namespace orbit::metrics
