#include "orbit/node.h"

#include <filesystem>
#include <thread>

#include "actor/runtime.h"
#include "runtime/shard.h"
#include "storage/data_dir.h"
#include "storage/engine.h"

namespace orbit {

Node::Node() = default;

Node::~Node() { Stop(); }

Result<std::unique_ptr<Node>> Node::Start(NodeOptions options, const std::function<void(ActorRegistry&)>& register_types) {
  std::unique_ptr<Node> node(new Node());
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) return Error(ErrorCode::kIOError, "cannot create " + options.data_dir + ": " + ec.message());
  auto lock = storage::DataDirLock::Acquire(options.data_dir);
  if (!lock.ok()) return lock.error();
  node->lock_ = std::move(lock).value();
  storage::EngineOptions engine_options;
  engine_options.path = options.data_dir + "/db";
  engine_options.durability = options.sync_commits ? storage::Durability::kSync : storage::Durability::kGroupCommit;
  auto engine = storage::Engine::Open(engine_options);
  if (!engine.ok()) return engine.error();
  node->engine_ = std::move(engine).value();
  size_t threads = options.threads != 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  node->shards_ = std::make_unique<runtime::ShardSet>(threads);
  node->shards_->Start();
  node->registry_ = std::make_unique<ActorRegistry>();
  register_types(*node->registry_);
  actor::RuntimeOptions runtime_options;
  runtime_options.call_timeout = options.call_timeout;
  runtime_options.idle_timeout = options.idle_timeout;
  runtime_options.collection_interval = options.collection_interval;
  runtime_options.mailbox_capacity = options.mailbox_capacity;
  node->runtime_ = std::make_unique<actor::Runtime>(*node->shards_, *node->engine_, *node->registry_, runtime_options);
  if (auto s = node->runtime_->Start(); !s.ok()) return s.error();
  return node;
}

void Node::Stop() {
  if (runtime_) runtime_->Stop();
  if (shards_) shards_->Stop();
  runtime_.reset();
  shards_.reset();
  if (engine_) (void)engine_->Close();
  engine_.reset();
  lock_.reset();
}

asio::any_io_executor Node::Executor(size_t shard) { return shards_->shard(shard % shards_->size()).executor(); }

size_t Node::shards() const { return shards_->size(); }

}  // namespace orbit
