#pragma once

// A fresh on-disk engine in a temporary directory per test.

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "storage/engine.h"
#include "storage/transaction.h"

namespace orbit::storage {

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("orbit-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    engine_.reset();
    auto opened = Engine::Open(options());
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    engine_ = std::move(opened).value();
  }

  virtual EngineOptions options() {
    EngineOptions o;
    o.path = dir_.path() + "/db";
    o.lock_timeout = std::chrono::milliseconds(200);
    return o;
  }

  std::optional<std::string> Committed(ColumnFamily cf, const std::string& key) {
    auto v = engine_->Get(cf, key);
    EXPECT_TRUE(v.ok());
    return v.ok() ? *v : std::nullopt;
  }

  TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

}  // namespace orbit::storage
