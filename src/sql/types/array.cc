#include "sql/types/array.h"

#include <cctype>

namespace orbit::sql {

namespace {

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

bool NeedsQuotes(std::string_view s) {
  if (s.empty() || AsciiLower(s) == "null") return true;
  for (char c : s) {
    if (c == '{' || c == '}' || c == ',' || c == '"' || c == '\\' || IsSpace(c)) return true;
  }
  return false;
}

}  // namespace

std::vector<Value> ParseArray(std::string_view text, TypeId element, int location) {
  auto malformed = [&](const char* why) -> std::vector<Value> {
    throw SqlException(SqlError{"22P02", "malformed array literal: \"" + std::string(text) + "\"",
                                location >= 0 ? location + 1 : 0, why});
  };
  size_t i = 0;
  while (i < text.size() && IsSpace(text[i])) ++i;
  if (i < text.size() && text[i] == '[') {
    Throw("0A000", "array literals with explicit dimensions are not supported yet", location);
  }
  if (i >= text.size() || text[i] != '{') return malformed("Array value must start with \"{\" or dimension information.");
  ++i;
  std::vector<Value> out;
  while (i < text.size() && IsSpace(text[i])) ++i;
  if (i < text.size() && text[i] == '}') {
    ++i;
  } else {
    while (true) {
      while (i < text.size() && IsSpace(text[i])) ++i;
      if (i >= text.size()) return malformed("Unexpected end of input.");
      if (text[i] == '{') Throw("0A000", "multidimensional arrays are not supported yet", location);
      std::string item;
      bool quoted = false;
      if (text[i] == '"') {
        quoted = true;
        ++i;
        while (i < text.size() && text[i] != '"') {
          if (text[i] == '\\' && i + 1 < text.size()) ++i;
          item += text[i++];
        }
        if (i >= text.size()) return malformed("Unexpected end of input.");
        ++i;
      } else {
        while (i < text.size() && text[i] != ',' && text[i] != '}') {
          if (text[i] == '"' || text[i] == '{') return malformed("Unexpected array element.");
          if (text[i] == '\\' && i + 1 < text.size()) ++i;
          item += text[i++];
        }
        while (!item.empty() && IsSpace(item.back())) item.pop_back();
        if (item.empty()) return malformed("Unexpected \",\" character.");
      }
      while (i < text.size() && IsSpace(text[i])) ++i;
      if (!quoted && AsciiLower(item) == "null") {
        out.push_back(Value::Null(Type(element)));
      } else {
        out.push_back(FromText(item, Type(element)));
      }
      if (i >= text.size()) return malformed("Unexpected end of input.");
      if (text[i] == ',') {
        ++i;
        continue;
      }
      if (text[i] == '}') {
        ++i;
        break;
      }
      return malformed("Unexpected array element.");
    }
  }
  while (i < text.size() && IsSpace(text[i])) ++i;
  if (i != text.size()) return malformed("Junk after closing right brace.");
  return out;
}

std::string FormatArray(const std::vector<Value>& elements) {
  std::string out = "{";
  for (size_t k = 0; k < elements.size(); ++k) {
    if (k > 0) out += ',';
    if (elements[k].null) {
      out += "NULL";
      continue;
    }
    std::string s = ToText(elements[k]);
    if (!NeedsQuotes(s)) {
      out += s;
      continue;
    }
    out += '"';
    for (char c : s) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

std::vector<Value> ArrayElements(const Value& array) { return ParseArray(array.s, array.type.element, -1); }

Value MakeArray(TypeId element, const std::vector<Value>& elements) {
  return Value::String(ArrayOf(element), FormatArray(elements));
}

}  // namespace orbit::sql
