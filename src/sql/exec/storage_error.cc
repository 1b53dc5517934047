#include "sql/exec/storage_error.h"

#include "sql/exec/operators.h"
#include "sql/types/types.h"

namespace orbit::sql {

void ThrowStorageError(const Error& error) {
  switch (error.code()) {
    case ErrorCode::kSerializationFailure:
    case ErrorCode::kBusy: Throw("40001", "could not serialize access due to concurrent update");
    case ErrorCode::kDeadlock: Throw("40P01", "deadlock detected");
    case ErrorCode::kLockTimeout:
      if (exec::RunningInline()) throw exec::RunElsewhere{};  // wait for it on the pool instead
      Throw("55P03", "could not obtain lock: " + error.message());
    case ErrorCode::kWriteStall: Throw("53000", "storage is overloaded: " + error.message());
    case ErrorCode::kNoSpace: Throw("53100", "could not write: disk full");
    case ErrorCode::kIOError: Throw("58030", "I/O error: " + error.message());
    case ErrorCode::kCorruption: Throw("XX001", "data corrupted: " + error.message());
    case ErrorCode::kUnavailable: Throw("57P01", "storage is shutting down");
    default: Throw("XX000", error.ToString());
  }
}

}  // namespace orbit::sql
