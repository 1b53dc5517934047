#include "common/process_metrics.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace orbit::metrics {
namespace {

using Clock = std::chrono::steady_clock;

Clock::time_point StartTime() {
  static const Clock::time_point start = Clock::now();
  return start;
}

double StartUnixSeconds() {
  static const double start = std::chrono::duration<double>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  return start;
}

struct ProcStat {
  double cpu_seconds = 0;
  double virtual_bytes = 0;
  double resident_bytes = 0;
};

ProcStat ReadProcStat() {
  ProcStat out;
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line)) return out;
  // Fields after the parenthesised command name, which may contain spaces.
  auto close = line.rfind(')');
  if (close == std::string::npos) return out;
  std::istringstream fields(line.substr(close + 2));
  std::string f;
  std::vector<std::string> v;
  while (fields >> f) v.push_back(f);
  // v[0] is field 3 (state); utime=14, stime=15, vsize=23, rss=24 (1-based).
  if (v.size() < 22) return out;
  double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  out.cpu_seconds = (std::stod(v[11]) + std::stod(v[12])) / ticks;
  out.virtual_bytes = std::stod(v[20]);
  out.resident_bytes = std::stod(v[21]) * static_cast<double>(::sysconf(_SC_PAGESIZE));
  return out;
}

double CountOpenFds() {
  std::error_code ec;
  double n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

}  // namespace

double UptimeSeconds() { return std::chrono::duration<double>(Clock::now() - StartTime()).count(); }

void RegisterProcessMetrics(Registry& registry) {
  (void)StartTime();
  (void)StartUnixSeconds();
  auto& cpu = registry.GetCounter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.");
  auto& rss = registry.GetGauge("process_resident_memory_bytes", "Resident memory size in bytes.");
  auto& vsize = registry.GetGauge("process_virtual_memory_bytes", "Virtual memory size in bytes.");
  auto& fds = registry.GetGauge("process_open_fds", "Number of open file descriptors.");
  auto& max_fds = registry.GetGauge("process_max_fds", "Maximum number of open file descriptors.");
  auto& start = registry.GetGauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.");
  auto& uptime = registry.GetGauge("orbit_uptime_seconds", "Seconds since orbit-server started.");
  start.Set(StartUnixSeconds());
  registry.AddCollector([&] {
    ProcStat st = ReadProcStat();
    cpu.Set(st.cpu_seconds);
    rss.Set(st.resident_bytes);
    vsize.Set(st.virtual_bytes);
    fds.Set(CountOpenFds());
    max_fds.Set(static_cast<double>(::sysconf(_SC_OPEN_MAX)));
    uptime.Set(UptimeSeconds());
  });
}

}  // namespace orbit::metrics
