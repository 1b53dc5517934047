#pragma once

// Result<T>: the value-or-error type every module returns for expected failures
// (storage conflicts, I/O errors, bad configuration). Exceptions are reserved for
// query front ends; see docs/architecture.md.

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace orbit {

enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kSerializationFailure,  // write-write conflict against the transaction's snapshot
  kLockTimeout,
  kDeadlock,
  kBusy,                  // transient: retry may succeed (e.g. TryAgain from RocksDB)
  kWriteStall,            // storage refused to accept writes within the stall budget
  kNoSpace,
  kIOError,
  kCorruption,
  kAborted,
  kUnavailable,
  kNotSupported,
  kInternal,
  kDeadlineExceeded,   // a call or wait ran past its deadline
  kResourceExhausted,  // a bounded queue is full (an actor's mailbox): retry later
  kCancelled,          // the caller went away before the work ran
};

std::string_view ErrorCodeName(ErrorCode code);

// An error code plus a human-readable message.
class [[nodiscard]] Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;

 private:
  ErrorCode code_;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : data_(std::move(error)) {}  // NOLINT

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(data_); }
  const T& value() const& { return std::get<0>(data_); }
  T&& value() && { return std::get<0>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

  const Error& error() const { return std::get<1>(data_); }

 private:
  std::variant<T, Error> data_;
};

// Result<void>: success or an error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_{ErrorCode::kOk, {}};
  bool ok_ = true;
};

using Status = Result<void>;

inline Status Ok() { return {}; }

}  // namespace orbit
