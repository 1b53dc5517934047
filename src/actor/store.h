#pragma once

// How actors are laid out in the `actors` column family:
//   state:    ("s", type, key)         -> [format 1][u32 state version][MessagePack]
//   reminder: ("r", type, key, name)   -> [format 1][i64 due unix ms][i64 period ms]
// Keys use the order-preserving tuple codec, so one type's actors are adjacent.

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "orbit/actor.h"

namespace orbit::actor {

std::string StateKey(const ActorId& id);
std::string ReminderKey(const ActorId& id, std::string_view name);
std::string ReminderPrefix();

struct StateRecord {
  uint32_t version = 0;
  nlohmann::json value;
};
std::string EncodeState(uint32_t version, const nlohmann::json& value);
Result<StateRecord> DecodeState(std::string_view bytes);

struct ReminderRecord {
  ActorId id;
  std::string name;
  int64_t due_unix_ms = 0;
  int64_t period_ms = 0;
};
std::string EncodeReminder(int64_t due_unix_ms, int64_t period_ms);
Result<ReminderRecord> DecodeReminder(std::string_view key, std::string_view value);

}  // namespace orbit::actor
