// Fuzzes the PostgreSQL v3 framing: a startup packet, then typed messages whose
// payloads are read field by field. Any bytes give a packet, a need-more answer
// or a protocol error; never a crash, an overread or a length beyond the input.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "protocol/pg/pg_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace orbit::protocol::pg;  // NOLINT: fuzz target
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Limits limits;
  limits.max_message_len = 1 << 16;
  StartupPacket startup;
  Result r = ParseStartup(input, limits, startup);
  if (r.status == Status::kNeedMore && r.need <= input.size()) std::abort();
  if (r.status != Status::kOk) return 0;
  if (r.consumed > input.size()) std::abort();
  input.remove_prefix(r.consumed);
  while (!input.empty()) {
    Message m;
    r = ParseMessage(input, limits, m);
    if (r.status == Status::kNeedMore) {
      if (r.need <= input.size()) std::abort();
      break;
    }
    if (r.status == Status::kError) break;
    if (r.consumed == 0 || r.consumed > input.size()) std::abort();
    if (m.payload.data() < input.data() || m.payload.data() + m.payload.size() > input.data() + input.size()) {
      std::abort();
    }
    // The extended-query decoder: a message decodes or names its error, never both.
    if (m.type == 'P' || m.type == 'B' || m.type == 'D' || m.type == 'E' || m.type == 'C' || m.type == 'S') {
      std::string error;
      auto decoded = DecodeExtended(m, error);
      if (decoded.has_value() == !error.empty()) std::abort();
      if (auto* bind = decoded ? std::get_if<BindMsg>(&*decoded) : nullptr) {
        for (size_t i = 0; i < bind->params.size(); ++i) (void)FormatAt(bind->param_formats, i);
      }
    }
    // Read the payload the way a Bind message is read: counts drive the reads.
    PayloadReader reader(m.payload);
    (void)reader.CString();
    int16_t n = reader.Int16();
    for (int16_t i = 0; i < n && reader.ok(); ++i) {
      int32_t len = reader.Int32();
      if (len > 0) (void)reader.Bytes(static_cast<size_t>(len));
    }
    input.remove_prefix(r.consumed);
  }
  return 0;
}
