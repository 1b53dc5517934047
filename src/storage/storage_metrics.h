#pragma once

// Exposes RocksDB properties (sizes, memtables, compactions, stalls) and the
// engine's own counters as Prometheus metrics, refreshed at scrape time.

#include "common/metrics.h"
#include "storage/engine.h"

namespace orbit::storage {

// The engine must outlive the registry's scrapes (the server closes storage only
// after the HTTP listener has stopped).
void RegisterStorageMetrics(metrics::Registry& registry, const Engine& engine);

}  // namespace orbit::storage
