#include "sql/exec/operators.h"

#include "sql/types/array.h"
#include "sql/types/datetime.h"

#include "sql/exec/numeric.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "sql/exec/row_codec.h"
#include "sql/exec/storage_error.h"

namespace orbit::sql::exec {
namespace {

thread_local const StatementControl* current_control = nullptr;

}  // namespace

ScopedStatementControl::ScopedStatementControl(StatementControl control)
    : previous_(current_control), control_(control) {
  current_control = &control_;
}

ScopedStatementControl::~ScopedStatementControl() { current_control = previous_; }

void CheckInterrupts() {
  const StatementControl* c = current_control;
  if (c == nullptr) return;
  if (c->cancel != nullptr && c->cancel->load(std::memory_order_relaxed)) {
    Throw("57014", "canceling statement due to user request");
  }
  if (c->deadline_micros == 0 && c->inline_until_micros == 0) return;
  int64_t now = NowMicros();
  if (c->deadline_micros > 0 && now > c->deadline_micros) {
    Throw("57014", "canceling statement due to statement timeout");
  }
  if (c->inline_until_micros > 0 && now > c->inline_until_micros) throw RunElsewhere{};
}

namespace {

class SingleRow : public Operator {
 public:
  bool Next(Batch& out) override {
    if (done_) return false;
    done_ = true;
    out.Reset({});
    out.count = 1;
    return true;
  }

 private:
  bool done_ = false;
};

class Values : public Operator {
 public:
  Values(std::vector<std::vector<BoundExprPtr>> rows, std::vector<LogicalType> types) : rows_(std::move(rows)) {
    types_ = std::move(types);
  }
  bool Next(Batch& out) override {
    if (next_ >= rows_.size()) return false;
    out.Reset(types_);
    for (; next_ < rows_.size() && out.count < kBatchSize; ++next_) {
      for (size_t c = 0; c < types_.size(); ++c) out.columns[c].Append(EvaluateConstant(*rows_[next_][c]));
      ++out.count;
    }
    return true;
  }

 private:
  std::vector<std::vector<BoundExprPtr>> rows_;
  size_t next_ = 0;
};

class TableScan : public Operator {
 public:
  TableScan(storage::Transaction& txn, const catalog::TableDesc& table, bool with_keys,
            std::optional<std::vector<std::string>> keys, std::optional<KeyRange> range)
      : txn_(txn), table_(table), with_keys_(with_keys), keys_(std::move(keys)), range_(std::move(range)) {
    for (const auto& c : table.columns) types_.push_back(c.type);
    if (with_keys) types_.push_back(Type(TypeId::kText));
  }

  bool Next(Batch& out) override {
    CheckInterrupts();
    out.Reset(types_);
    auto add = [&](std::string_view key, std::string_view value) {
      size_t row = out.count;
      for (auto& c : out.columns) c.Resize(row + 1);
      if (!DecodeRowInto(value, table_, out, row)) {
        Throw("XX001", "invalid row in table \"" + table_.name + "\"");
      }
      if (with_keys_) {
        out.columns.back().SetNull(row, false);
        out.columns.back().String(row).assign(key);
      }
      ++out.count;
    };
    if (keys_) {
      for (; next_key_ < keys_->size() && out.count < kBatchSize; ++next_key_) {
        const std::string& key = (*keys_)[next_key_];
        auto value = txn_.Get(storage::ColumnFamily::kRows, key);
        if (!value.ok()) ThrowStorageError(value.error());
        if (value->has_value()) add(key, **value);
      }
      return out.count > 0;
    }
    if (!it_) {
      it_ = range_ ? txn_.Scan(storage::ColumnFamily::kRows, range_->begin, range_->end)
                   : txn_.ScanPrefix(storage::ColumnFamily::kRows, catalog::RowPrefix(table_.relfilenode));
    }
    for (; it_->Valid() && out.count < kBatchSize; it_->Next()) add(it_->key(), it_->value());
    if (auto s = it_->status(); !s.ok()) ThrowStorageError(s.error());
    return out.count > 0;
  }

 private:
  storage::Transaction& txn_;
  catalog::TableDesc table_;
  bool with_keys_;
  std::optional<std::vector<std::string>> keys_;
  std::optional<KeyRange> range_;
  size_t next_key_ = 0;
  std::unique_ptr<storage::Iterator> it_;
};

class Filter : public Operator {
 public:
  Filter(OperatorPtr child, BoundExprPtr predicate) : child_(std::move(child)), predicate_(std::move(predicate)) {
    types_ = child_->types();
  }
  std::vector<OperatorPtr*> Inputs() override { return {&child_}; }
  bool Next(Batch& out) override {
    Batch in;
    while (child_->Next(in)) {
      Vector keep = Evaluate(*predicate_, in);
      out.Reset(types_);
      for (size_t i = 0; i < in.count; ++i) {
        if (!keep.IsNull(i) && keep.Int(i) != 0) out.AppendRow(in, i);
      }
      if (out.count > 0) return true;
    }
    return false;
  }

 private:
  OperatorPtr child_;
  BoundExprPtr predicate_;
};

class Project : public Operator {
 public:
  Project(OperatorPtr child, std::vector<BoundExprPtr> exprs) : child_(std::move(child)), exprs_(std::move(exprs)) {
    for (const auto& e : exprs_) types_.push_back(e->type);
  }
  std::vector<OperatorPtr*> Inputs() override { return {&child_}; }
  bool Next(Batch& out) override {
    Batch in;
    if (!child_->Next(in)) return false;
    out.columns.clear();
    for (const auto& e : exprs_) out.columns.push_back(Evaluate(*e, in));
    out.count = in.count;
    return true;
  }

 private:
  OperatorPtr child_;
  std::vector<BoundExprPtr> exprs_;
};

class Limit : public Operator {
 public:
  Limit(OperatorPtr child, std::optional<int64_t> limit, int64_t offset)
      : child_(std::move(child)), remaining_(limit), skip_(offset) {
    types_ = child_->types();
  }
  std::vector<OperatorPtr*> Inputs() override { return {&child_}; }
  bool Next(Batch& out) override {
    Batch in;
    while ((!remaining_ || *remaining_ > 0) && child_->Next(in)) {
      out.Reset(types_);
      for (size_t i = 0; i < in.count && (!remaining_ || *remaining_ > 0); ++i) {
        if (skip_ > 0) {
          --skip_;
          continue;
        }
        out.AppendRow(in, i);
        if (remaining_) --*remaining_;
      }
      if (out.count > 0) return true;
    }
    return false;
  }

 private:
  OperatorPtr child_;
  std::optional<int64_t> remaining_;
  int64_t skip_;
};

class Distinct : public Operator {
 public:
  explicit Distinct(OperatorPtr child) : child_(std::move(child)) { types_ = child_->types(); }
  std::vector<OperatorPtr*> Inputs() override { return {&child_}; }
  bool Next(Batch& out) override {
    Batch in;
    while (child_->Next(in)) {
      out.Reset(types_);
      for (size_t i = 0; i < in.count; ++i) {
        if (seen_.insert(GroupKey(in.Row(i))).second) out.AppendRow(in, i);
      }
      if (out.count > 0) return true;
    }
    return false;
  }

 private:
  OperatorPtr child_;
  std::unordered_set<std::string> seen_;
};

class Sort : public Operator {
 public:
  Sort(OperatorPtr child, std::vector<SortKey> keys) : child_(std::move(child)), keys_(std::move(keys)) {
    types_ = child_->types();
  }
  std::vector<OperatorPtr*> Inputs() override { return {&child_}; }
  bool Next(Batch& out) override {
    if (!sorted_) {
      all_.Reset(types_);
      Batch in;
      while (child_->Next(in)) {
        for (size_t i = 0; i < in.count; ++i) all_.AppendRow(in, i);
      }
      order_.resize(all_.count);
      for (size_t i = 0; i < all_.count; ++i) order_[i] = i;
      std::stable_sort(order_.begin(), order_.end(), [&](size_t a, size_t b) { return Less(a, b); });
      sorted_ = true;
    }
    if (next_ >= order_.size()) return false;
    out.Reset(types_);
    for (; next_ < order_.size() && out.count < kBatchSize; ++next_) out.AppendRow(all_, order_[next_]);
    return true;
  }

 private:
  bool Less(size_t a, size_t b) const {
    for (const auto& k : keys_) {
      const Vector& v = all_.columns[static_cast<size_t>(k.column)];
      bool an = v.IsNull(a), bn = v.IsNull(b);
      if (an || bn) {
        if (an == bn) continue;
        return an == k.nulls_first;
      }
      int c = CompareValues(v, a, v, b);
      if (c != 0) return k.descending ? c > 0 : c < 0;
    }
    return false;
  }

  OperatorPtr child_;
  std::vector<SortKey> keys_;
  Batch all_;
  std::vector<size_t> order_;
  size_t next_ = 0;
  bool sorted_ = false;
};

std::string Int128ToString(__int128 v) {
  if (v == 0) return "0";
  bool negative = v < 0;
  unsigned __int128 u = negative ? static_cast<unsigned __int128>(-(v + 1)) + 1 : static_cast<unsigned __int128>(v);
  std::string s;
  while (u > 0) {
    s.push_back(static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  if (negative) s.push_back('-');
  return {s.rbegin(), s.rend()};
}

// Weight and first digit of |x| > 0 in base 10000, as PostgreSQL's numeric holds it.
void Base10000(unsigned __int128 x, int& weight, unsigned& first) {
  weight = 0;
  while (x >= 10000) {
    x /= 10000;
    ++weight;
  }
  first = static_cast<unsigned>(x);
}

// a / b for integers as PostgreSQL's numeric division prints it: the result
// scale is select_div_scale's (at least 16 significant digits), rounded half
// away from zero.
std::string NumericDivide(__int128 a, int64_t b) {
  bool negative = (a < 0) != (b < 0);
  unsigned __int128 ua = a < 0 ? static_cast<unsigned __int128>(-a) : static_cast<unsigned __int128>(a);
  unsigned __int128 ub = b < 0 ? static_cast<unsigned __int128>(-static_cast<__int128>(b)) : static_cast<unsigned __int128>(b);
  int w1, w2;
  unsigned f1, f2;
  Base10000(ua, w1, f1);
  Base10000(ub, w2, f2);
  int qweight = w1 - w2;
  if (f1 <= f2) --qweight;
  int rscale = std::clamp(16 - qweight * 4, 0, 1000);
  unsigned __int128 q = ua / ub, r = ua % ub;
  std::string frac;
  for (int i = 0; i < rscale; ++i) {
    r *= 10;
    frac.push_back(static_cast<char>('0' + static_cast<int>(r / ub)));
    r %= ub;
  }
  if (r * 2 >= ub) {  // round the last digit half away from zero
    int i = static_cast<int>(frac.size()) - 1;
    while (i >= 0 && frac[static_cast<size_t>(i)] == '9') frac[static_cast<size_t>(i--)] = '0';
    if (i >= 0) ++frac[static_cast<size_t>(i)];
    else ++q;
  }
  std::string out = (negative ? "-" : "") + Int128ToString(static_cast<__int128>(q));
  if (!frac.empty()) out += "." + frac;
  return out;
}

class HashAggregate : public Operator {
 public:
  HashAggregate(OperatorPtr child, std::vector<BoundExprPtr> groups, std::vector<AggregateSpec> aggs)
      : child_(std::move(child)), groups_(std::move(groups)), aggs_(std::move(aggs)) {
    for (const auto& g : groups_) types_.push_back(g->type);
    for (const auto& a : aggs_) types_.push_back(a.result);
  }

  std::vector<OperatorPtr*> Inputs() override { return {&child_}; }
  bool Next(Batch& out) override {
    if (!done_) Consume();
    if (emitted_ >= group_count_) return false;
    out.Reset(types_);
    size_t end = std::min(group_count_, emitted_ + kBatchSize);
    for (size_t g = emitted_; g < end; ++g) {
      size_t c = 0;
      for (; c < groups_.size(); ++c) out.columns[c].Append(group_values_[g][c]);
      for (size_t a = 0; a < aggs_.size(); ++a, ++c) out.columns[c].Append(Result(a, g));
      ++out.count;
    }
    emitted_ = end;
    return true;
  }

 private:
  struct State {
    int64_t count = 0;
    __int128 isum = 0;
    double fsum = 0;
    std::string nsum;  // sum of numeric arguments, in numeric's text form
    std::string text;  // string_agg so far
    std::vector<Value> items;  // array_agg so far (NULLs included)
    bool truth = false;        // bool_and / bool_or so far
    Interval interval;         // sum / avg of intervals
    std::unordered_set<std::string> seen;  // DISTINCT: the values counted so far
    std::vector<std::vector<Value>> sort_keys;  // ORDER BY in the call: one per item
  };

  // array_agg / string_agg with ORDER BY (and no DISTINCT, which sorts by value already).
  static bool Ordered(const AggregateSpec& spec) {
    return !spec.order_by.empty() && !spec.distinct &&
           (spec.kind == AggregateKind::kArrayAgg || spec.kind == AggregateKind::kStringAgg);
  }

  // The items in the call's ORDER BY order (stable: ties keep arrival order).
  static std::vector<Value> OrderedItems(const AggregateSpec& spec, const State& s) {
    std::vector<size_t> order(s.items.size());
    for (size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
      for (size_t k = 0; k < spec.order_flags.size(); ++k) {
        const Value &a = s.sort_keys[x][k], &b = s.sort_keys[y][k];
        auto [descending, nulls_first] = spec.order_flags[k];
        if (a.null || b.null) {
          if (a.null == b.null) continue;
          return a.null == nulls_first;
        }
        Vector va(a.type, 1), vb(b.type, 1);
        va.Set(0, a);
        vb.Set(0, b);
        int c = CompareValues(va, 0, vb, 0);
        if (c != 0) return descending ? c > 0 : c < 0;
      }
      return false;
    });
    std::vector<Value> out;
    for (size_t k : order) out.push_back(s.items[k]);
    return out;
  }

  void Consume() {
    done_ = true;
    states_.resize(aggs_.size());
    for (const auto& a : aggs_) extremes_.emplace_back(a.arg ? a.arg->type : a.result);
    if (groups_.empty()) NewGroup({});
    Batch in;
    while (child_->Next(in)) {
      std::vector<Vector> keys;
      for (const auto& g : groups_) keys.push_back(Evaluate(*g, in));
      std::vector<Vector> args, delimiters, filters;
      std::vector<std::vector<Vector>> orders;
      for (const auto& a : aggs_) {
        args.push_back(a.arg ? Evaluate(*a.arg, in) : Vector());
        delimiters.push_back(a.delimiter ? Evaluate(*a.delimiter, in) : Vector());
        filters.push_back(a.filter ? Evaluate(*a.filter, in) : Vector());
        orders.emplace_back();
        for (const auto& o : a.order_by) orders.back().push_back(Evaluate(*o, in));
      }
      for (size_t i = 0; i < in.count; ++i) {
        size_t g = 0;
        if (!groups_.empty()) {
          std::vector<Value> key;
          for (const auto& k : keys) key.push_back(k.Get(i));
          std::string encoded = GroupKey(key);
          auto [it, inserted] = index_.try_emplace(encoded, group_count_);
          if (inserted) NewGroup(std::move(key));
          g = it->second;
        }
        for (size_t a = 0; a < aggs_.size(); ++a) {
          if (aggs_[a].filter && (filters[a].IsNull(i) || filters[a].Int(i) == 0)) continue;  // FILTER (WHERE ...)
          if (Ordered(aggs_[a])) {  // kept with their sort keys; sorted when the group is done
            State& st = states_[a][g];
            if (aggs_[a].kind == AggregateKind::kStringAgg) {
              if (args[a].IsNull(i)) continue;
              if (!delimiters[a].IsNull(i)) st.text = delimiters[a].String(i);
            }
            ++st.count;
            st.items.push_back(args[a].Get(i));
            std::vector<Value> key;
            for (const auto& o : orders[a]) key.push_back(o.Get(i));
            st.sort_keys.push_back(std::move(key));
            continue;
          }
          Accumulate(a, g, args[a], delimiters[a], i);
        }
      }
    }
  }

  void NewGroup(std::vector<Value> key) {
    group_values_.push_back(std::move(key));
    for (size_t a = 0; a < aggs_.size(); ++a) {
      states_[a].emplace_back();
      extremes_[a].Resize(group_count_ + 1);
    }
    ++group_count_;
  }

  void Accumulate(size_t a, size_t g, const Vector& arg, const Vector& delimiter, size_t i) {
    const AggregateSpec& spec = aggs_[a];
    State& s = states_[a][g];
    if (spec.kind == AggregateKind::kCountStar) {
      ++s.count;
      return;
    }
    if (spec.kind == AggregateKind::kArrayAgg && !spec.distinct) {  // keeps NULL elements
      ++s.count;
      s.items.push_back(arg.Get(i));
      return;
    }
    if (spec.distinct) {
      // DISTINCT: each value once (NULL too for array_agg, which is not strict);
      // array_agg and string_agg emit them sorted, as PostgreSQL's sort-based DISTINCT.
      bool keeps_null = spec.kind == AggregateKind::kArrayAgg;
      if (arg.IsNull(i) && !keeps_null) return;
      if (!s.seen.insert(GroupKey({arg.Get(i)})).second) return;
      if (spec.kind == AggregateKind::kArrayAgg || spec.kind == AggregateKind::kStringAgg) {
        ++s.count;
        s.items.push_back(arg.Get(i));
        if (spec.kind == AggregateKind::kStringAgg && !delimiter.IsNull(i)) s.text = delimiter.String(i);
        return;
      }
    }
    if (arg.IsNull(i)) return;
    ++s.count;
    switch (spec.kind) {
      case AggregateKind::kStringAgg:
        // The delimiter goes before every value but the first (a NULL delimiter adds nothing).
        if (s.count > 1 && !delimiter.IsNull(i)) s.text += delimiter.String(i);
        s.text += arg.String(i);
        break;
      case AggregateKind::kBoolAnd: s.truth = s.count == 1 ? arg.Int(i) != 0 : s.truth && arg.Int(i) != 0; break;
      case AggregateKind::kBoolOr: s.truth = s.count == 1 ? arg.Int(i) != 0 : s.truth || arg.Int(i) != 0; break;
      case AggregateKind::kSum:
      case AggregateKind::kAvg:
        if (arg.type().id == TypeId::kInterval) {
          s.interval = IntervalPlus(s.interval, DecodeInterval(arg.String(i)), false, -1);
        } else if (arg.physical() == PhysicalType::kInt64) s.isum += arg.Int(i);
        else if (arg.type().id == TypeId::kNumeric) s.nsum = s.nsum.empty() ? arg.String(i) : NumericArith('+', s.nsum, arg.String(i), -1);
        else s.fsum += arg.Double(i);
        break;
      case AggregateKind::kMin:
      case AggregateKind::kMax: {
        Vector& best = extremes_[a];
        int c = best.IsNull(g) ? 0 : CompareValues(arg, i, best, g);
        if (best.IsNull(g) || (spec.kind == AggregateKind::kMin ? c < 0 : c > 0)) best.CopyRow(arg, i, g);
        break;
      }
      default: break;
    }
  }

  Value Result(size_t a, size_t g) const {
    const AggregateSpec& spec = aggs_[a];
    const State& s = states_[a][g];
    switch (spec.kind) {
      case AggregateKind::kCountStar:
      case AggregateKind::kCount: return Value::Int(TypeId::kInt8, s.count);
      case AggregateKind::kMin:
      case AggregateKind::kMax: return extremes_[a].Get(g);
      case AggregateKind::kStringAgg:
        if (s.count == 0) return Value::Null(spec.result);
        if (Ordered(spec)) {
          std::string joined;
          std::vector<Value> items = OrderedItems(spec, s);
          for (size_t k = 0; k < items.size(); ++k) joined += (k > 0 ? s.text : "") + items[k].s;
          return Value::String(spec.result, joined);
        }
        if (spec.distinct) {
          std::string joined;
          std::vector<Value> items = SortedValues(s.items);
          for (size_t k = 0; k < items.size(); ++k) joined += (k > 0 ? s.text : "") + items[k].s;
          return Value::String(spec.result, joined);
        }
        return Value::String(spec.result, s.text);
      case AggregateKind::kArrayAgg:
        if (s.count == 0) return Value::Null(spec.result);
        if (Ordered(spec)) return MakeArray(spec.result.element, OrderedItems(spec, s));
        return MakeArray(spec.result.element, spec.distinct ? SortedValues(s.items) : s.items);
      case AggregateKind::kBoolAnd:
      case AggregateKind::kBoolOr: return s.count == 0 ? Value::Null(spec.result) : Value::Bool(s.truth);
      case AggregateKind::kSum:
        if (s.count == 0) return Value::Null(spec.result);
        if (spec.result.id == TypeId::kInterval) return Value::String(spec.result, EncodeInterval(s.interval));
        if (spec.arg && spec.arg->type.id == TypeId::kNumeric) return Value::String(spec.result, s.nsum);
        if (spec.result.id == TypeId::kNumeric) return Value::String(spec.result, Int128ToString(s.isum));
        if (IsInteger(spec.result.id)) return Value::Int(spec.result.id, static_cast<int64_t>(s.isum));
        return Value::Float(spec.result.id, spec.result.id == TypeId::kFloat4 ? static_cast<float>(s.fsum) : s.fsum);
      case AggregateKind::kAvg:
        if (s.count == 0) return Value::Null(spec.result);
        if (spec.result.id == TypeId::kInterval) {
          return Value::String(spec.result, EncodeInterval(IntervalScale(s.interval, static_cast<double>(s.count), true, -1)));
        }
        if (spec.arg && spec.arg->type.id == TypeId::kNumeric) {
          return Value::String(spec.result, NumericArith('/', s.nsum, std::to_string(s.count), -1));
        }
        if (spec.result.id == TypeId::kNumeric) return Value::String(spec.result, NumericDivide(s.isum, s.count));
        return Value::Float(TypeId::kFloat8, s.fsum / static_cast<double>(s.count));
    }
    return Value::Null(spec.result);
  }

  // Ascending, NULLs last.
  static std::vector<Value> SortedValues(std::vector<Value> values) {
    std::stable_sort(values.begin(), values.end(), [](const Value& a, const Value& b) {
      if (a.null || b.null) return !a.null && b.null;
      Vector x(a.type, 1), y(b.type, 1);
      x.Set(0, a);
      y.Set(0, b);
      return CompareValues(x, 0, y, 0) < 0;
    });
    return values;
  }

  OperatorPtr child_;
  std::vector<BoundExprPtr> groups_;
  std::vector<AggregateSpec> aggs_;
  std::unordered_map<std::string, size_t> index_;
  std::vector<std::vector<Value>> group_values_;
  std::vector<std::vector<State>> states_;  // [aggregate][group]
  std::vector<Vector> extremes_;            // min/max so far: [aggregate], a row per group
  size_t group_count_ = 0;
  size_t emitted_ = 0;
  bool done_ = false;
};

}  // namespace

bool RunningInline() { return current_control != nullptr && current_control->inline_until_micros > 0; }

namespace {

OperatorPtr Labelled(OperatorPtr op, std::string label) {
  op->set_label(std::move(label));
  return op;
}

}  // namespace

OperatorPtr MakeSingleRow() { return Labelled(std::make_unique<SingleRow>(), "Result"); }
OperatorPtr MakeValues(std::vector<std::vector<BoundExprPtr>> rows, std::vector<LogicalType> types) {
  return Labelled(std::make_unique<Values>(std::move(rows), std::move(types)), "Values Scan");
}
OperatorPtr MakeTableScan(storage::Transaction& txn, const catalog::TableDesc& table, bool with_keys,
                          std::optional<std::vector<std::string>> keys, std::optional<KeyRange> range) {
  std::string label = keys ? "Key Lookup on " + table.name : range ? "Key Range Scan on " + table.name : "Seq Scan on " + table.name;
  return Labelled(std::make_unique<TableScan>(txn, table, with_keys, std::move(keys), std::move(range)), std::move(label));
}
OperatorPtr MakeFilter(OperatorPtr child, BoundExprPtr predicate) {
  return Labelled(std::make_unique<Filter>(std::move(child), std::move(predicate)), "Filter");
}
OperatorPtr MakeProject(OperatorPtr child, std::vector<BoundExprPtr> exprs) {
  return Labelled(std::make_unique<Project>(std::move(child), std::move(exprs)), "Project");
}
OperatorPtr MakeLimit(OperatorPtr child, std::optional<int64_t> limit, int64_t offset) {
  return Labelled(std::make_unique<Limit>(std::move(child), limit, offset), "Limit");
}
OperatorPtr MakeDistinct(OperatorPtr child) { return Labelled(std::make_unique<Distinct>(std::move(child)), "HashDistinct"); }
OperatorPtr MakeSort(OperatorPtr child, std::vector<SortKey> keys) {
  return Labelled(std::make_unique<Sort>(std::move(child), std::move(keys)), "Sort");
}
OperatorPtr MakeHashAggregate(OperatorPtr child, std::vector<BoundExprPtr> groups, std::vector<AggregateSpec> aggs) {
  std::string label = groups.empty() ? "Aggregate" : "HashAggregate";
  return Labelled(std::make_unique<HashAggregate>(std::move(child), std::move(groups), std::move(aggs)), std::move(label));
}

LogicalType AggregateResultType(AggregateKind kind, const LogicalType& arg, int location) {
  switch (kind) {
    case AggregateKind::kCountStar:
    case AggregateKind::kCount: return Type(TypeId::kInt8);
    case AggregateKind::kStringAgg: return Type(TypeId::kText);
    case AggregateKind::kBoolAnd:
    case AggregateKind::kBoolOr: return Type(TypeId::kBool);
    case AggregateKind::kArrayAgg:
      if (arg.id == TypeId::kArray) Throw("0A000", "array_agg of arrays (multidimensional arrays) is not supported yet", location);
      return ArrayOf(arg.id);
    case AggregateKind::kMin:
    case AggregateKind::kMax:
      if (arg.id == TypeId::kUnknown) return Type(TypeId::kText);
      return arg.id == TypeId::kVarchar || arg.id == TypeId::kBpchar ? Type(arg.id) : arg;
    case AggregateKind::kSum:
      if (arg.id == TypeId::kInt2 || arg.id == TypeId::kInt4) return Type(TypeId::kInt8);
      if (arg.id == TypeId::kInt8) return Type(TypeId::kNumeric);
      if (IsFloat(arg.id)) return arg;
      if (arg.id == TypeId::kNumeric) return Type(TypeId::kNumeric);
      if (arg.id == TypeId::kInterval) return arg;
      break;
    case AggregateKind::kAvg:
      if (IsInteger(arg.id) || arg.id == TypeId::kNumeric) return Type(TypeId::kNumeric);
      if (IsFloat(arg.id)) return Type(TypeId::kFloat8);
      if (arg.id == TypeId::kInterval) return arg;
      break;
  }
  Throw("42883", std::string(kind == AggregateKind::kSum ? "sum" : "avg") + " of type " + TypeDisplayName(arg) + " does not exist",
        location);
}

}  // namespace orbit::sql::exec
