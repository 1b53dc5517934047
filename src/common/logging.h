#pragma once

// Process-wide logging setup (spdlog to stderr) in text or JSON-lines format.

#include <string_view>

#include "common/result.h"

namespace orbit {

enum class LogFormat { kText, kJson };

// level: trace, debug, info, warn, error, critical, off.
Status InitLogging(std::string_view level, LogFormat format);

// Escapes a string for inclusion in a JSON string literal.
void AppendJsonEscaped(std::string& out, std::string_view s);

}  // namespace orbit
