#pragma once

// Standard Prometheus process metrics (process_cpu_seconds_total,
// process_resident_memory_bytes, process_open_fds, process_start_time_seconds, ...)
// read from /proc at scrape time, plus orbit_uptime_seconds.

#include "common/metrics.h"

namespace orbit::metrics {

void RegisterProcessMetrics(Registry& registry);

// Seconds since RegisterProcessMetrics (or the first call) in this process.
double UptimeSeconds();

}  // namespace orbit::metrics
