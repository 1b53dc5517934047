#pragma once

// orbit-server configuration. Sources, lowest precedence first:
//   1. orbit.toml (--config PATH, else $ORBIT_CONFIG, else ./orbit.toml if present)
//   2. ORBIT_* environment variables (ORBIT_HTTP_PORT, ORBIT_REDIS_ENABLED, ...)
//   3. command-line flags (--http-port, --redis-enabled, ...)
// Every setting has one flag, one environment variable and one TOML key, all
// generated from one table (config.cc); docs/configuration.md lists them.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/logging.h"
#include "common/result.h"

namespace orbit::server {

struct ProtocolConfig {
  bool enabled = true;
  uint16_t port = 0;
};

struct Config {
  std::string config_file;  // the file that was read, if any
  std::string data_dir = "./data";
  std::string bind = "127.0.0.1";
  uint32_t threads = 0;  // 0: one per core
  uint32_t sql_threads = 32;
  bool http_enabled = true;
  uint16_t http_port = 8080;
  uint64_t http_max_body_bytes = 1u << 20;
  bool http_tls = false;
  std::string tls_cert;
  std::string tls_key;
  // Protocols by flag name: redis, pg, mysql, cql, bolt, aql, grpc.
  std::map<std::string, ProtocolConfig> protocols;
  std::string redis_requirepass;
  uint64_t redis_maxmemory = 0;
  std::string log_level = "info";
  std::string log_format = "text";
  std::string durability = "sync";  // sync | group
  std::string pg_auth = "auto";     // auto | trust | scram | password
  uint32_t group_commit_ms = 10;
  uint32_t lock_timeout_ms = 1000;
  uint32_t max_connections = 10000;
  uint32_t idle_timeout_s = 0;
  uint32_t write_timeout_s = 30;
  uint64_t max_output_buffer_bytes = 64u << 20;
  uint32_t shutdown_timeout_s = 10;
  std::string http_cors_origin;  // empty: no CORS headers
  uint32_t actors_idle_timeout_s = 600;
  uint32_t actors_call_timeout_ms = 30000;
  uint32_t actors_mailbox = 10000;

  Config();
  LogFormat log_format_value() const { return log_format == "json" ? LogFormat::kJson : LogFormat::kText; }
  uint32_t thread_count() const;
};

// What the command line asked for: run with a config, or print text and exit.
struct ParsedArgs {
  Config config;
  std::optional<int> exit_code;  // set for --help, --version and errors
  std::string message;           // text for stdout (help/version) or stderr (errors)
};

// Reads file, environment and flags. argv[0] is the program name.
ParsedArgs ParseArgs(int argc, const char* const* argv);

// The protocol names and default ports every later protocol follows.
const std::vector<std::pair<std::string, uint16_t>>& KnownProtocols();

}  // namespace orbit::server
