#include "runtime/blocking_pool.h"

#include <boost/asio/thread_pool.hpp>

namespace orbit::runtime {

BlockingPool::BlockingPool(size_t threads) : pool_(std::make_unique<asio::thread_pool>(threads)) {}

BlockingPool::~BlockingPool() { Stop(); }

void BlockingPool::Stop() { pool_->join(); }

asio::any_io_executor BlockingPool::executor() { return pool_->get_executor(); }

}  // namespace orbit::runtime
