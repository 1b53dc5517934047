#include "storage/storage_metrics.h"

#include <string>
#include <vector>

namespace orbit::storage {
namespace {

struct PerFamily {
  const char* property;
  const char* metric;
  const char* help;
};

constexpr PerFamily kPerFamily[] = {
    {"rocksdb.estimate-num-keys", "orbit_storage_estimated_keys", "Estimated number of keys per column family."},
    {"rocksdb.total-sst-files-size", "orbit_storage_sst_bytes", "Total size of SST files per column family."},
    {"rocksdb.cur-size-all-mem-tables", "orbit_storage_memtable_bytes", "Size of active and unflushed memtables per column family."},
    {"rocksdb.estimate-pending-compaction-bytes", "orbit_storage_pending_compaction_bytes", "Estimated bytes compaction needs to rewrite per column family."},
    {"rocksdb.num-files-at-level0", "orbit_storage_l0_files", "Number of level-0 SST files per column family."},
};

struct DbWide {
  const char* property;
  const char* metric;
  const char* help;
};

constexpr DbWide kDbWide[] = {
    {"rocksdb.num-running-compactions", "orbit_storage_running_compactions", "Compactions running now."},
    {"rocksdb.num-running-flushes", "orbit_storage_running_flushes", "Memtable flushes running now."},
    {"rocksdb.is-write-stopped", "orbit_storage_write_stopped", "1 while RocksDB stops writes (write stall)."},
    {"rocksdb.actual-delayed-write-rate", "orbit_storage_delayed_write_rate_bytes", "Write rate limit while writes are delayed, 0 when not delayed."},
    {"rocksdb.block-cache-usage", "orbit_storage_block_cache_bytes", "Block cache memory in use."},
};

}  // namespace

void RegisterStorageMetrics(metrics::Registry& registry, const Engine& engine) {
  struct Bound {
    metrics::Gauge* gauge;
    const char* property;
    std::optional<ColumnFamily> cf;
  };
  std::vector<Bound> bound;
  for (size_t i = 0; i < static_cast<size_t>(ColumnFamily::kCount); ++i) {
    auto cf = static_cast<ColumnFamily>(i);
    for (const auto& p : kPerFamily) {
      metrics::Labels labels{{"cf", std::string(ColumnFamilyName(cf))}};
      bound.push_back({&registry.GetGauge(p.metric, p.help, labels), p.property, cf});
    }
  }
  for (const auto& p : kDbWide) {
    bound.push_back({&registry.GetGauge(p.metric, p.help), p.property, std::nullopt});
  }
  auto& up = registry.GetGauge("orbit_storage_up", "1 when storage is open and healthy, 0 otherwise.");
  auto& stalled = registry.GetCounter("orbit_storage_stalled_writes_total",
                                      "Writes that waited for a RocksDB write stall to clear.");
  auto& failed = registry.GetCounter("orbit_storage_stall_failures_total",
                                     "Writes that failed because a write stall outlasted the budget.");
  registry.AddCollector([&engine, bound = std::move(bound), &up, &stalled, &failed] {
    up.Set(engine.state() == StorageState::kOk ? 1 : 0);
    stalled.Set(static_cast<double>(engine.stalled_writes()));
    failed.Set(static_cast<double>(engine.failed_stalled_writes()));
    for (const auto& b : bound) {
      if (auto v = engine.IntProperty(b.property, b.cf)) b.gauge->Set(static_cast<double>(*v));
    }
  });
}

}  // namespace orbit::storage
