#pragma once

// Storage errors inside a statement become SQL errors with PostgreSQL's
// SQLSTATEs (ADR 005, decision 5): the one mapping from ErrorCode to SQLSTATE.

#include "common/result.h"

namespace orbit::sql {

[[noreturn]] void ThrowStorageError(const Error& error);

// Throws for a failed status; returns otherwise.
inline void Check(const Status& status) {
  if (!status.ok()) ThrowStorageError(status.error());
}

}  // namespace orbit::sql
