#include "server/config.h"

#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include <cstdlib>
#include <filesystem>
#include <thread>
#include <variant>

#include "common/version.h"

namespace orbit::server {
namespace {

using Target = std::variant<std::string*, bool*, uint16_t*, uint32_t*, uint64_t*>;

struct Setting {
  std::string flag;       // "http-port" -> --http-port, ORBIT_HTTP_PORT
  std::string toml_path;  // "http.port"
  std::string help;
  Target target;
};

std::string EnvName(const std::string& flag) {
  std::string env = "ORBIT_";
  for (char c : flag) env.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return env;
}

// The single table of settings that drives flags, environment and TOML.
std::vector<Setting> Settings(Config& c) {
  std::vector<Setting> s = {
      {"data-dir", "data-dir", "Directory for all data (RocksDB under <data-dir>/db)", &c.data_dir},
      {"bind", "bind", "Address every listener binds to", &c.bind},
      {"threads", "threads", "Event-loop threads (shards); 0 = one per core", &c.threads},
      {"sql-threads", "sql.threads",
       "Threads that run SQL statements (they may wait for row locks and fsyncs)", &c.sql_threads},
      {"http-enabled", "http.enabled", "Serve HTTP (/health, /metrics, REST)", &c.http_enabled},
      {"http-port", "http.port", "HTTP port (0 picks a free port)", &c.http_port},
      {"http-max-body", "http.max-body", "Largest accepted HTTP request body in bytes", &c.http_max_body_bytes},
      {"http-tls", "http.tls", "Serve HTTPS on the HTTP port (needs --tls-cert and --tls-key)", &c.http_tls},
      {"tls-cert", "tls.cert", "PEM certificate chain for TLS listeners", &c.tls_cert},
      {"tls-key", "tls.key", "PEM private key for TLS listeners", &c.tls_key},
      {"log-level", "log.level", "trace, debug, info, warn, error, critical or off", &c.log_level},
      {"log-format", "log.format", "text or json", &c.log_format},
      {"durability", "storage.durability",
       "sync: fsync the WAL before acknowledging each commit; group: fsync every --group-commit-ms",
       &c.durability},
      {"group-commit-ms", "storage.group-commit-ms", "WAL fsync interval for --durability group", &c.group_commit_ms},
      {"lock-timeout-ms", "storage.lock-timeout-ms", "How long a transaction waits for a row lock", &c.lock_timeout_ms},
      {"max-connections", "net.max-connections", "Open connections allowed per listener", &c.max_connections},
      {"idle-timeout", "net.idle-timeout", "Seconds a client may stay idle before it is disconnected; 0 = never",
       &c.idle_timeout_s},
      {"write-timeout", "net.write-timeout", "Seconds a client may stall reading its replies before it is disconnected",
       &c.write_timeout_s},
      {"max-output-buffer", "net.max-output-buffer", "Bytes of unsent replies buffered per connection",
       &c.max_output_buffer_bytes},
      {"shutdown-timeout", "net.shutdown-timeout", "Seconds in-flight requests get to finish on SIGTERM/SIGINT",
       &c.shutdown_timeout_s},
  };
  s.push_back({"http-cors-origin", "http.cors-origin",
               "Origin allowed to call the HTTP API from browsers (\"*\" for any); empty: no CORS headers",
               &c.http_cors_origin});
  s.push_back({"actors-idle-timeout", "actors.idle-timeout", "Seconds an actor may stay idle before it is deactivated",
               &c.actors_idle_timeout_s});
  s.push_back({"actors-call-timeout-ms", "actors.call-timeout-ms",
               "Default deadline of an actor call (REST/gRPC callers may ask for less)", &c.actors_call_timeout_ms});
  s.push_back({"actors-mailbox", "actors.mailbox",
               "Calls that may queue on one actor; more fail at once (HTTP 429, gRPC RESOURCE_EXHAUSTED)", &c.actors_mailbox});
  s.push_back({"pg-auth", "pg.auth",
               "PostgreSQL logins: auto (loopback roles without a password are trusted; passwords use SCRAM-SHA-256 or md5), "
               "trust, scram (every login proves a password) or password (cleartext)",
               &c.pg_auth});
  s.push_back({"redis-requirepass", "redis.requirepass", "Password Redis clients must AUTH with (empty: none)",
               &c.redis_requirepass});
  s.push_back({"redis-maxmemory", "redis.maxmemory",
               "Bytes of memory beyond which Redis writes get OOM errors (0: no limit; also CONFIG SET maxmemory)",
               &c.redis_maxmemory});
  for (auto& [name, port] : c.protocols) {
    // Protocols whose listener is not built yet say so rather than pretend.
    const std::string pending = name == "redis" ? ""
                                : name == "pg"  ? " (PostgreSQL v3: see docs/architecture.md for what is built)"
                                : name == "grpc" ? " (orbit.v1.ActorService, ConnectionService, health, reflection)"
                                                : " (not implemented yet: accepted, no effect)";
    s.push_back({name + "-enabled", name + ".enabled", "Serve the " + name + " protocol" + pending, &port.enabled});
    s.push_back({name + "-port", name + ".port", "Port of the " + name + " protocol" + pending, &port.port});
  }
  return s;
}

// Applies a TOML value to a setting; an error message on a type mismatch.
std::optional<std::string> ApplyToml(const Setting& setting, const toml::node& node) {
  std::string where = "orbit.toml: " + setting.toml_path + ": ";
  return std::visit(
      [&](auto* target) -> std::optional<std::string> {
        using T = std::remove_pointer_t<decltype(target)>;
        if constexpr (std::is_same_v<T, std::string>) {
          auto v = node.value<std::string>();
          if (!v) return where + "expected a string";
          *target = *v;
        } else if constexpr (std::is_same_v<T, bool>) {
          auto v = node.value<bool>();
          if (!v || !node.is_boolean()) return where + "expected true or false";
          *target = *v;
        } else {
          auto v = node.value<int64_t>();
          if (!v || !node.is_integer()) return where + "expected an integer";
          if (*v < 0 || static_cast<uint64_t>(*v) > std::numeric_limits<T>::max()) return where + "out of range";
          *target = static_cast<T>(*v);
        }
        return std::nullopt;
      },
      setting.target);
}

std::optional<std::string> FindConfigFile(int argc, const char* const* argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--config" && i + 1 < argc) return std::string(argv[i + 1]);
    if (a.starts_with("--config=")) return std::string(a.substr(9));
  }
  if (const char* env = std::getenv("ORBIT_CONFIG"); env != nullptr && *env != '\0') return std::string(env);
  if (std::filesystem::exists("orbit.toml")) return std::string("orbit.toml");
  return std::nullopt;
}

std::optional<std::string> Validate(const Config& c) {
  if (c.log_format != "text" && c.log_format != "json") return "--log-format must be text or json";
  if (c.durability != "sync" && c.durability != "group") return "--durability must be sync or group";
  if (c.pg_auth != "auto" && c.pg_auth != "trust" && c.pg_auth != "scram" && c.pg_auth != "password") {
    return "--pg-auth must be auto, trust, scram or password";
  }
  if (c.data_dir.empty()) return "--data-dir must not be empty";
  if (c.http_tls && (c.tls_cert.empty() || c.tls_key.empty())) return "--http-tls needs --tls-cert and --tls-key";
  return std::nullopt;
}

}  // namespace

const std::vector<std::pair<std::string, uint16_t>>& KnownProtocols() {
  static const std::vector<std::pair<std::string, uint16_t>> protocols = {
      {"redis", 6379}, {"pg", 5432}, {"mysql", 3306}, {"cql", 9042}, {"bolt", 7687}, {"aql", 8529}, {"grpc", 50051},
  };
  return protocols;
}

Config::Config() {
  for (const auto& [name, port] : KnownProtocols()) protocols[name] = ProtocolConfig{true, port};
}

uint32_t Config::thread_count() const {
  if (threads > 0) return threads;
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

ParsedArgs ParseArgs(int argc, const char* const* argv) {
  ParsedArgs out;
  Config& config = out.config;
  auto settings = Settings(config);

  // 1. File.
  if (auto path = FindConfigFile(argc, argv)) {
    config.config_file = *path;
    try {
      toml::table table = toml::parse_file(*path);
      for (const auto& s : settings) {
        toml::node_view<toml::node> node = table.at_path(s.toml_path);
        if (!node) continue;
        if (auto err = ApplyToml(s, *node.node())) {
          out.exit_code = 1;
          out.message = *err;
          return out;
        }
      }
    } catch (const toml::parse_error& e) {
      out.exit_code = 1;
      out.message = "cannot read config file " + *path + ": " + std::string(e.description());
      return out;
    }
  }

  // 2 and 3. CLI11 applies an option's environment variable when the flag is
  // absent; values already in `config` (defaults or file) are the fallback.
  CLI::App app{"orbit-server: a multi-protocol database and virtual-actor runtime", "orbit-server"};
  app.set_version_flag("--version", std::string("orbit-server ") + kVersion);
  app.get_formatter()->column_width(40);
  std::string config_flag;
  app.add_option("--config", config_flag, "TOML configuration file")->envname("ORBIT_CONFIG");
  for (const auto& s : settings) {
    std::string flag = "--" + s.flag;
    std::visit(
        [&](auto* target) {
          using T = std::remove_pointer_t<decltype(target)>;
          CLI::Option* opt = app.add_option(flag, *target, s.help)->capture_default_str()->envname(EnvName(s.flag));
          if constexpr (std::is_same_v<T, bool>) opt->type_name("BOOL");
        },
        s.target);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    out.exit_code = 0;
    out.message = app.help();
    return out;
  } catch (const CLI::CallForVersion&) {
    out.exit_code = 0;
    out.message = std::string("orbit-server ") + kVersion + "\n";
    return out;
  } catch (const CLI::ParseError& e) {
    out.exit_code = 1;
    out.message = e.what();
    return out;
  }
  if (auto err = Validate(config)) {
    out.exit_code = 1;
    out.message = *err;
  }
  return out;
}

}  // namespace orbit::server
