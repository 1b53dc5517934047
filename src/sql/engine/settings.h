#pragma once

// Session settings (SET / SHOW / RESET, PostgreSQL's GUCs) from one table of
// definitions: name, default, whether a change is reported to the client
// (ParameterStatus), and how a new value is checked. Settings Orbit cannot
// honour accept only the values it implements; the rest fail with 22023 or
// 0A000 rather than being silently ignored.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orbit::sql {

struct SettingDef {
  std::string name;           // lower case
  std::string display_name;   // as SHOW prints its column (DateStyle, TimeZone, ...)
  std::string default_value;
  bool report = false;        // sent as ParameterStatus when it changes
  std::string description;
  // Normalizes a new value or throws SqlException; null: any value.
  std::function<std::string(const std::string&)> check;
};

const std::vector<SettingDef>& SettingDefs();

class Settings {
 public:
  // The definition of `name` (any case); throws 42704 for an unknown name.
  static const SettingDef& Find(std::string_view name);

  std::string Get(std::string_view name) const;
  // Sets and returns the normalized value. `local`: until the transaction ends.
  std::string Set(std::string_view name, const std::string& value, bool local);
  void Reset(std::string_view name);
  // Names changed since the last call (for ParameterStatus).
  std::vector<std::string> TakeReported();
  // Transactions (PostgreSQL's GUC nesting): a SET inside a block that rolls
  // back, or back to an earlier savepoint, is undone. Snapshots are taken lazily:
  // BeginTransaction before the block's first change, Savepoint at each SAVEPOINT.
  void BeginTransaction();                  // no-op once a snapshot exists
  void Savepoint();
  void ReleaseSavepoints(size_t keep);      // keep the first `keep` savepoints
  void RollbackToSavepoint(size_t index);   // restore savepoint `index` (0-based), which stays
  // The transaction ended: SET LOCAL values are dropped; a rollback restores the
  // values the transaction started with.
  void EndTransaction(bool commit = true);

 private:
  using Values = std::map<std::string, std::string, std::less<>>;
  void Restore(const Values& session, const Values& local);

  Values session_;
  Values local_;
  std::vector<std::pair<Values, Values>> snapshots_;  // [0]: the transaction's start, then one per savepoint
  std::vector<std::string> reported_;
};

}  // namespace orbit::sql
