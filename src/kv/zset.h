#pragma once

// Sorted-set primitives shared by the sorted-set, geo and SORT commands: every
// change of a member goes through here so memory and RocksDB stay in step.

#include <string>
#include <string_view>

#include "kv/command.h"
#include "kv/value.h"

namespace orbit::kv {

// Adds `member` with `score`, or moves it to `score`; persisted under `key`.
void ZSetPut(CommandContext& c, std::string_view key, ZSetValue& z, const std::string& member, double score);
// Removes `member` if present (persisted); returns whether it was there.
bool ZSetErase(CommandContext& c, std::string_view key, ZSetValue& z, const std::string& member);
// A score as a reply: a RESP3 double, or a RESP2 bulk string in Redis's format.
void ReplyScore(CommandContext& c, double score);

}  // namespace orbit::kv
