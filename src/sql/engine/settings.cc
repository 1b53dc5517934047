#include "sql/engine/settings.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "sql/types/types.h"

namespace orbit::sql {
namespace {

// Accepts only the listed values (case-insensitive); returns the canonical one.
std::function<std::string(const std::string&)> OneOf(std::string name, std::vector<std::string> allowed,
                                                      std::string sqlstate = "22023") {
  return [name, allowed, sqlstate](const std::string& v) {
    for (const auto& a : allowed) {
      if (AsciiLower(a) == AsciiLower(v)) return a;
    }
    Throw(sqlstate, "invalid value for parameter \"" + name + "\": \"" + v + "\"" +
                        (sqlstate == "0A000" ? " (Orbit supports: " + allowed.front() + ")" : ""));
  };
}

std::function<std::string(const std::string&)> IntRange(std::string name, int64_t lo, int64_t hi) {
  return [name, lo, hi](const std::string& v) {
    int64_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || end != v.data() + v.size()) {
      Throw("22023", "invalid value for parameter \"" + name + "\": \"" + v + "\"");
    }
    if (n < lo || n > hi) {
      Throw("22023", std::to_string(n) + " is outside the valid range for parameter \"" + name + "\" (" +
                         std::to_string(lo) + " .. " + std::to_string(hi) + ")");
    }
    return std::to_string(n);
  };
}

// Durations in milliseconds ("5s", "100ms", "2min", "0"), as the timeout settings take them.
std::function<std::string(const std::string&)> Duration(std::string name) {
  return [name](const std::string& v) {
    int64_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    std::string unit(end, v.data() + v.size());
    unit = AsciiLower(unit);
    while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
    int64_t scale = unit.empty() || unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "min" ? 60000 : unit == "h" ? 3600000 : -1;
    if (ec != std::errc() || scale < 0 || n < 0) {
      Throw("22023", "invalid value for parameter \"" + name + "\": \"" + v + "\"");
    }
    return std::to_string(n * scale);
  };
}

std::function<std::string(const std::string&)> Bool(std::string name) {
  return [name](const std::string& v) -> std::string {
    std::string l = AsciiLower(v);
    if (l == "on" || l == "true" || l == "yes" || l == "1") return "on";
    if (l == "off" || l == "false" || l == "no" || l == "0") return "off";
    Throw("22023", "parameter \"" + name + "\" requires a Boolean value");
  };
}

}  // namespace

const std::vector<SettingDef>& SettingDefs() {
  static const std::vector<SettingDef> defs = [] {
    std::vector<SettingDef> d = {
        {"application_name", "application_name", "", true, "Sets the application name to be reported in statistics and logs.", nullptr},
        {"client_encoding", "client_encoding", "UTF8", true, "Sets the client's character set encoding.",
         OneOf("client_encoding", {"UTF8", "UTF-8", "unicode"}, "0A000")},
        {"client_min_messages", "client_min_messages", "notice", false, "Sets the message levels that are sent to the client.",
         OneOf("client_min_messages", {"debug5", "debug4", "debug3", "debug2", "debug1", "log", "notice", "warning", "error"})},
        {"datestyle", "DateStyle", "ISO, MDY", true, "Sets the display format for date and time values.",
         OneOf("DateStyle", {"ISO, MDY", "ISO", "ISO,MDY"}, "0A000")},
        {"default_transaction_isolation", "default_transaction_isolation", "read committed", false,
         "Sets the transaction isolation level of each new transaction.",
         OneOf("default_transaction_isolation", {"read committed", "repeatable read", "serializable", "read uncommitted"})},
        {"default_transaction_read_only", "default_transaction_read_only", "off", true,
         "Sets the default read-only status of new transactions.", Bool("default_transaction_read_only")},
        {"extra_float_digits", "extra_float_digits", "1", false, "Sets the number of digits displayed for floating-point values.",
         IntRange("extra_float_digits", -15, 3)},
        {"idle_in_transaction_session_timeout", "idle_in_transaction_session_timeout", "0", false,
         "Sets the maximum allowed idle time between queries, when in a transaction.", Duration("idle_in_transaction_session_timeout")},
        {"integer_datetimes", "integer_datetimes", "on", true, "Shows whether datetimes are integer based.",
         OneOf("integer_datetimes", {"on"})},
        {"intervalstyle", "IntervalStyle", "postgres", true, "Sets the display format for interval values.",
         OneOf("IntervalStyle", {"postgres"}, "0A000")},
        {"is_superuser", "is_superuser", "on", true, "Shows whether the current user is a superuser.", OneOf("is_superuser", {"on"})},
        {"lock_timeout", "lock_timeout", "0", false, "Sets the maximum allowed duration of any wait for a lock.", Duration("lock_timeout")},
        {"max_identifier_length", "max_identifier_length", "63", false, "Shows the maximum identifier length.",
         OneOf("max_identifier_length", {"63"})},
        {"search_path", "search_path", "\"$user\", public", false, "Sets the schema search order for names that are not schema-qualified.",
         nullptr},
        {"server_encoding", "server_encoding", "UTF8", true, "Shows the server (database) character set encoding.",
         OneOf("server_encoding", {"UTF8"})},
        {"server_version", "server_version", "15.1", true, "Shows the server version.", OneOf("server_version", {"15.1"})},
        {"server_version_num", "server_version_num", "150001", false, "Shows the server version as an integer.",
         OneOf("server_version_num", {"150001"})},
        {"standard_conforming_strings", "standard_conforming_strings", "on", true,
         "Causes '...' strings to treat backslashes literally.", OneOf("standard_conforming_strings", {"on"}, "0A000")},
        {"statement_timeout", "statement_timeout", "0", false, "Sets the maximum allowed duration of any statement.",
         Duration("statement_timeout")},
        {"synchronous_commit", "synchronous_commit", "on", false, "Sets the current transaction's synchronization level.",
         OneOf("synchronous_commit", {"on"}, "0A000")},
        {"timezone", "TimeZone", "UTC", true, "Sets the time zone for displaying and interpreting time stamps.",
         OneOf("TimeZone", {"UTC", "Etc/UTC", "GMT", "Z"}, "0A000")},
        {"transaction_isolation", "transaction_isolation", "read committed", false,
         "Sets the current transaction's isolation level.",
         OneOf("transaction_isolation", {"read committed", "repeatable read", "serializable", "read uncommitted"})},
        {"transaction_read_only", "transaction_read_only", "off", false, "Sets the current transaction's read-only status.",
         Bool("transaction_read_only")},
        {"transaction_deferrable", "transaction_deferrable", "off", false,
         "Whether to defer a read-only serializable transaction until it can be executed with no possible serialization failures.",
         Bool("transaction_deferrable")},
        {"session_authorization", "session_authorization", "", true, "Sets the session user name.", nullptr},
        {"row_security", "row_security", "on", false, "Enable row security.", Bool("row_security")},
        {"password_encryption", "password_encryption", "scram-sha-256", false,
         "Chooses the algorithm for encrypting passwords.", OneOf("password_encryption", {"scram-sha-256", "md5"})},
        {"work_mem", "work_mem", "4MB", false, "Sets the maximum memory to be used for query workspaces.", nullptr},
        {"jit", "jit", "off", false, "Allow JIT compilation.", Bool("jit")},
        // Set by pg_dump scripts. Orbit has no function bodies to check (either
        // value is true of it), no xml type, one tablespace and one access method.
        {"synchronize_seqscans", "synchronize_seqscans", "off", false,
         "Enable synchronized sequential scans (Orbit's scans are never synchronized).",
         OneOf("synchronize_seqscans", {"off", "false", "0"}, "0A000")},
        {"check_function_bodies", "check_function_bodies", "on", false,
         "Check routine bodies during CREATE FUNCTION and CREATE PROCEDURE.", Bool("check_function_bodies")},
        {"xmloption", "xmloption", "content", false,
         "Sets whether XML data in implicit parsing and serialization operations is to be considered as documents or content fragments.",
         OneOf("xmloption", {"content"}, "0A000")},
        {"default_tablespace", "default_tablespace", "", false,
         "Sets the default tablespace to create tables and indexes in.", OneOf("default_tablespace", {"", "pg_default"}, "0A000")},
        {"default_table_access_method", "default_table_access_method", "heap", false,
         "Sets the default table access method for new tables.", OneOf("default_table_access_method", {"heap"}, "0A000")},
    };
    std::sort(d.begin(), d.end(), [](const SettingDef& a, const SettingDef& b) { return a.name < b.name; });
    return d;
  }();
  return defs;
}

const SettingDef& Settings::Find(std::string_view name) {
  std::string key = AsciiLower(std::string(name));
  for (const auto& d : SettingDefs()) {
    if (d.name == key) return d;
  }
  Throw("42704", "unrecognized configuration parameter \"" + std::string(name) + "\"");
}

std::string Settings::Get(std::string_view name) const {
  const SettingDef& def = Find(name);
  if (auto it = local_.find(def.name); it != local_.end()) return it->second;
  // A transaction's characteristics follow the session defaults unless set for it.
  if (def.name == "transaction_isolation") return Get("default_transaction_isolation");
  if (def.name == "transaction_read_only") return Get("default_transaction_read_only");
  if (auto it = session_.find(def.name); it != session_.end()) return it->second;
  return def.default_value;
}

std::string Settings::Set(std::string_view name, const std::string& value, bool local) {
  const SettingDef& def = Find(name);
  // Transaction characteristics only ever apply to the current transaction.
  if (def.name == "transaction_isolation" || def.name == "transaction_read_only") local = true;
  std::string normalized = def.check ? def.check(value) : value;
  std::string before = Get(def.name);
  (local ? local_ : session_)[def.name] = normalized;
  if (def.report && before != normalized) reported_.push_back(def.name);
  return normalized;
}

void Settings::Reset(std::string_view name) {
  const SettingDef& def = Find(name);
  std::string before = Get(def.name);
  session_.erase(def.name);
  local_.erase(def.name);
  if (def.report && before != Get(def.name)) reported_.push_back(def.name);
}

std::vector<std::string> Settings::TakeReported() { return std::exchange(reported_, {}); }

void Settings::BeginTransaction() {
  if (snapshots_.empty()) snapshots_.emplace_back(session_, local_);
}

void Settings::Savepoint() {
  BeginTransaction();
  snapshots_.emplace_back(session_, local_);
}

void Settings::ReleaseSavepoints(size_t keep) {
  if (snapshots_.size() > keep + 1) snapshots_.resize(keep + 1);
}

void Settings::RollbackToSavepoint(size_t index) {
  if (index + 1 >= snapshots_.size()) return;
  snapshots_.resize(index + 2);
  auto [session, local] = snapshots_.back();
  Restore(session, local);
}

void Settings::Restore(const Values& session, const Values& local) {
  std::vector<std::pair<std::string, std::string>> before;
  for (const auto& def : SettingDefs()) {
    if (def.report) before.emplace_back(def.name, Get(def.name));
  }
  session_ = session;
  local_ = local;
  for (const auto& [name, value] : before) {
    if (Get(name) != value) reported_.push_back(name);
  }
}

void Settings::EndTransaction(bool commit) {
  if (!commit && !snapshots_.empty()) {
    Values start = snapshots_.front().first;
    Restore(start, local_);
  }
  snapshots_.clear();
  for (auto& [name, value] : std::exchange(local_, {})) {
    const SettingDef& def = Find(name);
    if (def.report && value != Get(name)) reported_.push_back(name);
  }
}

}  // namespace orbit::sql
