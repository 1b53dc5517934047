// Fuzzes the key decoder: arbitrary bytes must decode or fail cleanly, and
// whatever decodes must re-encode to exactly the same bytes (strict canonical form).

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "storage/key_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto decoded = orbit::storage::DecodeKey(input);
  if (decoded.ok() && orbit::storage::EncodeKey(*decoded) != input) std::abort();
  return 0;
}
