#include "common/result.h"

namespace orbit {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return "ok";
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kAlreadyExists: return "already_exists";
    case ErrorCode::kSerializationFailure: return "serialization_failure";
    case ErrorCode::kLockTimeout: return "lock_timeout";
    case ErrorCode::kDeadlock: return "deadlock";
    case ErrorCode::kBusy: return "busy";
    case ErrorCode::kWriteStall: return "write_stall";
    case ErrorCode::kNoSpace: return "no_space";
    case ErrorCode::kIOError: return "io_error";
    case ErrorCode::kCorruption: return "corruption";
    case ErrorCode::kAborted: return "aborted";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kNotSupported: return "not_supported";
    case ErrorCode::kInternal: return "internal";
    case ErrorCode::kDeadlineExceeded: return "deadline_exceeded";
    case ErrorCode::kResourceExhausted: return "resource_exhausted";
    case ErrorCode::kCancelled: return "cancelled";
  }
  return "unknown";
}

std::string Error::ToString() const {
  std::string out(ErrorCodeName(code_));
  if (!message_.empty()) {
    out += ": ";
    out += message_;
  }
  return out;
}

}  // namespace orbit
