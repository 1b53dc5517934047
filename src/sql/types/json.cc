#include "sql/types/json.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <utility>

#include "sql/types/types.h"

namespace orbit::sql {

namespace {

// A parsed document that keeps each number's text (jsonb prints numbers as
// numeric does, so 1.50 stays 1.50 and 1e2 becomes 100).
struct Node {
  enum class Kind : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  std::string text;  // a number's digits, a string's value
  std::vector<Node> items;    // an array's elements, or an object's member values
  std::vector<std::string> keys;  // an object's member keys, one per item
};

constexpr size_t kMaxDepth = 1000;

// Builds a Node tree from nlohmann's SAX events (no recursion while parsing).
class TreeBuilder : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit TreeBuilder(std::string_view text, int location) : text_(text), location_(location) {}

  bool null() override { return Add(Node{}); }
  bool boolean(bool v) override {
    Node n;
    n.kind = Node::Kind::kBool;
    n.boolean = v;
    return Add(std::move(n));
  }
  bool number_integer(number_integer_t v) override { return Number(std::to_string(v)); }
  bool number_unsigned(number_unsigned_t v) override { return Number(std::to_string(v)); }
  bool number_float(number_float_t, const string_t& s) override { return Number(s); }
  bool string(string_t& v) override {
    Node n;
    n.kind = Node::Kind::kString;
    n.text = std::move(v);
    return Add(std::move(n));
  }
  bool binary(binary_t&) override { return false; }
  bool start_object(std::size_t) override { return Open(Node::Kind::kObject); }
  bool key(string_t& k) override {
    stack_.back()->keys.push_back(std::move(k));
    stack_.back()->items.emplace_back();
    return true;
  }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(Node::Kind::kArray); }
  bool end_array() override { return Close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    Throw("22P02", "invalid input syntax for type json", location_);
  }

  Node Take() { return std::move(root_); }

 private:
  Node* Slot() {
    if (stack_.empty()) return &root_;
    Node* parent = stack_.back();
    if (parent->kind == Node::Kind::kArray) return &parent->items.emplace_back();
    return &parent->items.back();  // the member whose key came last
  }
  bool Add(Node n) {
    *Slot() = std::move(n);
    return true;
  }
  bool Number(std::string digits) {
    Node n;
    n.kind = Node::Kind::kNumber;
    n.text = std::move(digits);
    return Add(std::move(n));
  }
  bool Open(Node::Kind kind) {
    if (stack_.size() >= kMaxDepth) Throw("54001", "stack depth limit exceeded", location_);
    Node* slot = Slot();
    slot->kind = kind;
    stack_.push_back(slot);
    return true;
  }
  bool Close() {
    stack_.pop_back();
    return true;
  }

  std::string_view text_;
  int location_;
  Node root_;
  std::vector<Node*> stack_;
};

Node Parse(std::string_view text, int location) {
  TreeBuilder builder(text, location);
  nlohmann::json::sax_parse(text.begin(), text.end(), &builder);
  return builder.Take();
}

// jsonb's member order: shorter keys first, then bytewise; the last duplicate wins.
void Canonicalize(Node& n) {
  for (auto& item : n.items) Canonicalize(item);
  if (n.kind == Node::Kind::kObject) {
    std::vector<size_t> order(n.keys.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      const std::string &x = n.keys[a], &y = n.keys[b];
      return x.size() != y.size() ? x.size() < y.size() : x < y;
    });
    std::vector<std::string> keys;
    std::vector<Node> items;
    for (size_t i : order) {
      if (!keys.empty() && keys.back() == n.keys[i]) {
        items.back() = std::move(n.items[i]);
      } else {
        keys.push_back(std::move(n.keys[i]));
        items.push_back(std::move(n.items[i]));
      }
    }
    n.keys = std::move(keys);
    n.items = std::move(items);
  } else if (n.kind == Node::Kind::kNumber) {
    n.text = FromText(n.text, Type(TypeId::kNumeric)).s;
  }
}

void AppendQuoted(std::string_view s, std::string& out) {
  out += '"';
  for (char ch : s) {
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(ch));
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

void Serialize(const Node& n, std::string& out) {
  switch (n.kind) {
    case Node::Kind::kNull: out += "null"; return;
    case Node::Kind::kBool: out += n.boolean ? "true" : "false"; return;
    case Node::Kind::kNumber: out += n.text; return;
    case Node::Kind::kString: AppendQuoted(n.text, out); return;
    case Node::Kind::kArray:
      out += '[';
      for (size_t i = 0; i < n.items.size(); ++i) {
        if (i > 0) out += ", ";
        Serialize(n.items[i], out);
      }
      out += ']';
      return;
    case Node::Kind::kObject:
      out += '{';
      for (size_t i = 0; i < n.items.size(); ++i) {
        if (i > 0) out += ", ";
        AppendQuoted(n.keys[i], out);
        out += ": ";
        Serialize(n.items[i], out);
      }
      out += '}';
      return;
  }
}

int Rank(const Node& n) {
  switch (n.kind) {
    case Node::Kind::kNull: return 0;
    case Node::Kind::kString: return 1;
    case Node::Kind::kNumber: return 2;
    case Node::Kind::kBool: return 3;
    case Node::Kind::kArray: return 4;
    case Node::Kind::kObject: return 5;
  }
  return 0;
}

int Compare(const Node& a, const Node& b) {
  if (a.kind != b.kind) return Rank(a) < Rank(b) ? -1 : 1;
  auto sign = [](int c) { return c < 0 ? -1 : c > 0 ? 1 : 0; };
  switch (a.kind) {
    case Node::Kind::kNull: return 0;
    case Node::Kind::kString: return sign(a.text.compare(b.text));
    case Node::Kind::kNumber: return CompareNumeric(a.text, b.text);
    case Node::Kind::kBool: return a.boolean == b.boolean ? 0 : a.boolean ? 1 : -1;
    case Node::Kind::kArray:
    case Node::Kind::kObject: {
      if (a.items.size() != b.items.size()) return a.items.size() < b.items.size() ? -1 : 1;
      for (size_t i = 0; i < a.items.size(); ++i) {
        if (a.kind == Node::Kind::kObject) {  // keys in jsonb's order: shorter first
          const std::string &x = a.keys[i], &y = b.keys[i];
          if (x != y) return x.size() != y.size() ? (x.size() < y.size() ? -1 : 1) : sign(x.compare(y));
        }
        if (int c = Compare(a.items[i], b.items[i]); c != 0) return c;
      }
      return 0;
    }
  }
  return 0;
}

void StripNumberZeros(Node& n) {
  for (auto& item : n.items) StripNumberZeros(item);
  if (n.kind == Node::Kind::kNumber && n.text.find('.') != std::string::npos) {
    while (n.text.back() == '0') n.text.pop_back();
    if (n.text.back() == '.') n.text.pop_back();
    if (n.text == "-0") n.text = "0";
  }
}

}  // namespace

int CompareJsonb(std::string_view a, std::string_view b) { return Compare(Parse(a, -1), Parse(b, -1)); }

std::string JsonbEqualityKey(std::string_view doc) {
  Node n = Parse(doc, -1);
  StripNumberZeros(n);
  std::string out;
  Serialize(n, out);
  return out;
}

void ValidateJson(std::string_view text, int location) { Parse(text, location); }

std::string CanonicalJsonb(std::string_view text, int location) {
  Node n = Parse(text, location);
  Canonicalize(n);
  std::string out;
  Serialize(n, out);
  return out;
}

std::optional<std::string> JsonExtract(std::string_view doc, const std::vector<JsonStep>& path, bool as_text) {
  Node root = Parse(doc, -1);
  const Node* n = &root;
  for (const auto& step : path) {
    const Node* next = nullptr;
    if (n->kind == Node::Kind::kObject) {
      // The last member with the key (json keeps duplicates; PostgreSQL's -> takes the last).
      for (size_t i = 0; i < n->keys.size(); ++i) {
        if (n->keys[i] == step.key) next = &n->items[i];
      }
    } else if (n->kind == Node::Kind::kArray && step.index) {
      int64_t i = *step.index, size = static_cast<int64_t>(n->items.size());
      if (i < 0) i += size;
      if (i >= 0 && i < size) next = &n->items[static_cast<size_t>(i)];
    }
    if (next == nullptr) return std::nullopt;
    n = next;
  }
  if (as_text) {
    if (n->kind == Node::Kind::kNull) return std::nullopt;
    if (n->kind == Node::Kind::kString) return n->text;
  }
  std::string out;
  Serialize(*n, out);
  return out;
}

std::string JsonTypeof(std::string_view doc) {
  switch (Parse(doc, -1).kind) {
    case Node::Kind::kNull: return "null";
    case Node::Kind::kBool: return "boolean";
    case Node::Kind::kNumber: return "number";
    case Node::Kind::kString: return "string";
    case Node::Kind::kArray: return "array";
    case Node::Kind::kObject: return "object";
  }
  return "null";
}

int64_t JsonArrayLength(std::string_view doc) {
  Node n = Parse(doc, -1);
  if (n.kind == Node::Kind::kArray) return static_cast<int64_t>(n.items.size());
  Throw("22023", n.kind == Node::Kind::kObject ? "cannot get array length of a non-array"
                                               : "cannot get array length of a scalar");
}

std::string JsonQuote(std::string_view s) {
  std::string out;
  AppendQuoted(s, out);
  return out;
}

}  // namespace orbit::sql
