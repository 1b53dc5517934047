#include "actor/store.h"

#include "storage/key_codec.h"

namespace orbit::actor {
namespace {

constexpr uint8_t kFormat = 1;

void PutU32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}
void PutI64(std::string& out, int64_t v) {
  auto u = static_cast<uint64_t>(v);
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((u >> shift) & 0xff));
}
uint64_t GetBE(std::string_view in, size_t pos, size_t width) {
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i) v = (v << 8) | static_cast<uint8_t>(in[pos + i]);
  return v;
}

}  // namespace

std::string StateKey(const ActorId& id) {
  storage::KeyEncoder k;
  k.AddString("s").AddString(id.type).AddString(id.key);
  return k.Release();
}

std::string ReminderKey(const ActorId& id, std::string_view name) {
  storage::KeyEncoder k;
  k.AddString("r").AddString(id.type).AddString(id.key).AddString(name);
  return k.Release();
}

std::string ReminderPrefix() {
  storage::KeyEncoder k;
  k.AddString("r");
  return k.Release();
}

std::string EncodeState(uint32_t version, const nlohmann::json& value) {
  std::string out;
  out.push_back(static_cast<char>(kFormat));
  PutU32(out, version);
  nlohmann::json::to_msgpack(value, out);
  return out;
}

Result<StateRecord> DecodeState(std::string_view bytes) {
  if (bytes.size() < 5 || static_cast<uint8_t>(bytes[0]) != kFormat) {
    return Error(ErrorCode::kCorruption, "actor state record: unknown format");
  }
  StateRecord record;
  record.version = static_cast<uint32_t>(GetBE(bytes, 1, 4));
  record.value = nlohmann::json::from_msgpack(bytes.substr(5), true, false);
  if (record.value.is_discarded()) return Error(ErrorCode::kCorruption, "actor state record: bad MessagePack");
  return record;
}

std::string EncodeReminder(int64_t due_unix_ms, int64_t period_ms) {
  std::string out;
  out.push_back(static_cast<char>(kFormat));
  PutI64(out, due_unix_ms);
  PutI64(out, period_ms);
  return out;
}

Result<ReminderRecord> DecodeReminder(std::string_view key, std::string_view value) {
  auto tuple = storage::DecodeKey(key);
  if (!tuple.ok() || tuple->size() != 4 || value.size() != 17 || static_cast<uint8_t>(value[0]) != kFormat) {
    return Error(ErrorCode::kCorruption, "actor reminder record: bad key or value");
  }
  ReminderRecord r;
  const auto* type = std::get_if<std::string>(&(*tuple)[1].value);
  const auto* k = std::get_if<std::string>(&(*tuple)[2].value);
  const auto* name = std::get_if<std::string>(&(*tuple)[3].value);
  if (type == nullptr || k == nullptr || name == nullptr) {
    return Error(ErrorCode::kCorruption, "actor reminder record: bad key");
  }
  r.id = ActorId{*type, *k};
  r.name = *name;
  r.due_unix_ms = static_cast<int64_t>(GetBE(value, 1, 8));
  r.period_ms = static_cast<int64_t>(GetBE(value, 9, 8));
  return r;
}

}  // namespace orbit::actor
