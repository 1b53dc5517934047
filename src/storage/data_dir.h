#pragma once

// Exclusive ownership of a data directory by one process, through an flock(2) on
// <data-dir>/LOCK that also records the owner's pid for the error message.

#include <memory>
#include <string>

#include "common/result.h"

namespace orbit::storage {

class DataDirLock {
 public:
  // Creates the directory if needed and locks it. kAlreadyExists names the pid of
  // the process holding it.
  static Result<std::unique_ptr<DataDirLock>> Acquire(const std::string& dir);
  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

  const std::string& dir() const { return dir_; }

 private:
  DataDirLock(std::string dir, int fd) : dir_(std::move(dir)), fd_(fd) {}
  std::string dir_;
  int fd_;
};

}  // namespace orbit::storage
