#include "runtime/shard.h"

#include <spdlog/spdlog.h>

namespace orbit::runtime {
namespace {
thread_local Shard* current_shard = nullptr;
}  // namespace

Shard::Shard(size_t id) : id_(id), context_(1) {}

Shard* Shard::Current() { return current_shard; }

void Shard::Run() {
  current_shard = this;
  while (true) {
    try {
      context_.run();
      break;
    } catch (const std::exception& e) {
      // A handler threw past its coroutine: log it and keep serving.
      spdlog::error("shard {}: unhandled exception: {}", id_, e.what());
    }
  }
  current_shard = nullptr;
}

ShardSet::ShardSet(size_t count) {
  if (count == 0) count = 1;
  for (size_t i = 0; i < count; ++i) shards_.push_back(std::make_unique<Shard>(i));
}

ShardSet::~ShardSet() { Stop(); }

void ShardSet::Start() {
  if (started_) return;
  started_ = true;
  for (auto& s : shards_) {
    work_.push_back(asio::make_work_guard(s->context()));
    s->thread_ = std::thread([shard = s.get()] { shard->Run(); });
  }
}

void ShardSet::Stop() {
  if (!started_) return;
  started_ = false;
  work_.clear();
  for (auto& s : shards_) s->context().stop();
  for (auto& s : shards_) {
    if (s->thread_.joinable()) s->thread_.join();
  }
}

Shard& ShardSet::Next() { return *shards_[next_.fetch_add(1, std::memory_order_relaxed) % shards_.size()]; }

}  // namespace orbit::runtime
