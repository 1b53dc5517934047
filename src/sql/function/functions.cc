#include "sql/function/functions.h"

#include <cctype>
#include <cmath>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "sql/exec/numeric.h"

namespace orbit::sql {

const std::vector<ScalarFunction>& FunctionRegistry::Find(const std::string& name) const {
  static const std::vector<ScalarFunction> kNone;
  auto it = functions_.find(name);
  return it == functions_.end() ? kNone : it->second;
}

bool FunctionRegistry::IsAggregate(const std::string& name) const {
  return name == "count" || name == "sum" || name == "avg" || name == "min" || name == "max" || name == "string_agg" ||
         name == "array_agg" || name == "bool_and" || name == "bool_or" || name == "every";
}

const FunctionRegistry& FunctionRegistry::BuiltIn() {
  static const FunctionRegistry registry = [] {
    FunctionRegistry r;
    RegisterStringFunctions(r);
    RegisterMathFunctions(r);
    RegisterBinaryFunctions(r);
    RegisterTextFunctions(r);
    RegisterNumberFunctions(r);
    RegisterCatalogFunctions(r);
    RegisterDateTimeFunctions(r);
    RegisterJsonFunctions(r);
    RegisterArrayFunctions(r);
    return r;
  }();
  return registry;
}

namespace {

using exec::Vector;

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (char ch : s) n += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
  return n;
}

}  // namespace

void RegisterStringFunctions(FunctionRegistry& r) {
  auto map_chars = [](int (*fn)(int)) {
    return Strict([fn](const std::vector<Vector>& a, size_t i, Vector& out) {
      std::string s = a[0].String(i);
      for (auto& ch : s) {
        if (!(ch & 0x80)) ch = static_cast<char>(fn(static_cast<unsigned char>(ch)));  // ASCII only so far
      }
      out.String(i) = std::move(s);
    });
  };
  r.Add({"lower", {TypeId::kText}, TypeId::kText, map_chars(::tolower)});
  r.Add({"upper", {TypeId::kText}, TypeId::kText, map_chars(::toupper)});
  auto length = Strict([](const std::vector<Vector>& a, size_t i, Vector& out) {
    out.Int(i) = static_cast<int64_t>(Utf8Length(a[0].String(i)));
  });
  r.Add({"length", {TypeId::kText}, TypeId::kInt4, length});
  r.Add({"char_length", {TypeId::kText}, TypeId::kInt4, length});
  r.Add({"octet_length", {TypeId::kText}, TypeId::kInt4,
         Strict([](const std::vector<Vector>& a, size_t i, Vector& out) {
           out.Int(i) = static_cast<int64_t>(a[0].String(i).size());
         })});
}

void RegisterBinaryFunctions(FunctionRegistry& r) {
  r.Add({"length", {TypeId::kBytea}, TypeId::kInt4, Strict([](const std::vector<Vector>& a, size_t i, Vector& out) {
           out.Int(i) = static_cast<int64_t>(a[0].String(i).size());
         })});
  r.Add({"octet_length", {TypeId::kBytea}, TypeId::kInt4, Strict([](const std::vector<Vector>& a, size_t i, Vector& out) {
           out.Int(i) = static_cast<int64_t>(a[0].String(i).size());
         })});
  r.Add({"op:||", {TypeId::kBytea, TypeId::kBytea}, TypeId::kBytea,
         Strict([](const std::vector<Vector>& a, size_t i, Vector& out) { out.String(i) = a[0].String(i) + a[1].String(i); })});
  // encode(bytea, 'hex' | 'base64') and decode(text, 'hex' | 'base64'); 'escape' is not supported yet.
  r.Add({"encode", {TypeId::kBytea, TypeId::kText}, TypeId::kText,
         Strict([](const std::vector<Vector>& a, size_t i, Vector& out) {
           std::string format = AsciiLower(a[1].String(i));
           const std::string& bytes = a[0].String(i);
           if (format == "hex") {
             out.String(i) = ToText(Value::String(Type(TypeId::kBytea), bytes)).substr(2);
           } else if (format == "base64") {  // 76 characters a line, as PostgreSQL writes it
             std::string encoded(4 * ((bytes.size() + 2) / 3) + 1, '\0');
             int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                     reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
             encoded.resize(static_cast<size_t>(n));
             std::string lines;
             for (size_t k = 0; k < encoded.size(); k += 76) lines += (k > 0 ? "\n" : "") + encoded.substr(k, 76);
             out.String(i) = std::move(lines);
           } else {
             Throw(format == "escape" ? "0A000" : "22023", "encoding \"" + a[1].String(i) + "\" is not supported" +
                                                               std::string(format == "escape" ? " yet" : ""));
           }
         })});
  r.Add({"decode", {TypeId::kText, TypeId::kText}, TypeId::kBytea,
         Strict([](const std::vector<Vector>& a, size_t i, Vector& out) {
           std::string format = AsciiLower(a[1].String(i));
           if (format == "hex") {
             out.String(i) = FromText("\\x" + a[0].String(i), Type(TypeId::kBytea)).s;
           } else if (format == "base64") {
             std::string text;
             for (char ch : a[0].String(i)) {
               if (std::isspace(static_cast<unsigned char>(ch))) continue;
               if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '+' && ch != '/' && ch != '=') {
                 Throw("22023", "invalid symbol \"" + std::string(1, ch) + "\" found while decoding base64 sequence");
               }
               text += ch;
             }
             if (text.size() % 4 != 0) Throw("22023", "invalid base64 end sequence");
             std::string bytes(text.size() / 4 * 3 + 1, '\0');
             int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(bytes.data()),
                                     reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
             if (n < 0) Throw("22023", "invalid base64 end sequence");
             size_t padding = 0;
             for (size_t k = text.size(); k > 0 && text[k - 1] == '='; --k) ++padding;
             bytes.resize(static_cast<size_t>(n) - padding);
             out.String(i) = std::move(bytes);
           } else {
             Throw(format == "escape" ? "0A000" : "22023", "encoding \"" + a[1].String(i) + "\" is not supported" +
                                                               std::string(format == "escape" ? " yet" : ""));
           }
         })});
  // A version 4 (random) UUID from OpenSSL's generator, as PostgreSQL's.
  r.Add({"gen_random_uuid", {}, TypeId::kUuid, [](const std::vector<Vector>&, size_t n, Vector& out) {
           for (size_t i = 0; i < n; ++i) {
             unsigned char b[16];
             if (RAND_bytes(b, sizeof b) != 1) Throw("XX000", "could not generate random values");
             b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
             b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
             static const char kHex[] = "0123456789abcdef";
             std::string s;
             for (int k = 0; k < 16; ++k) {
               if (k == 4 || k == 6 || k == 8 || k == 10) s += '-';
               s += kHex[b[k] >> 4];
               s += kHex[b[k] & 15];
             }
             out.SetNull(i, false);
             out.String(i) = std::move(s);
           }
         }});
}

void RegisterMathFunctions(FunctionRegistry& r) {
  r.Add({"op:-", {TypeId::kNumeric}, TypeId::kNumeric, Strict([](const std::vector<Vector>& a, size_t i, Vector& out) {
           out.String(i) = exec::NumericNegate(a[0].String(i));
         })});
  auto int_abs = [](TypeId t) {
    return Strict([t](const std::vector<Vector>& a, size_t i, Vector& out) {
      out.Int(i) = a[0].Int(i) < 0 ? IntArith('-', 0, a[0].Int(i), t) : a[0].Int(i);
    });
  };
  r.Add({"abs", {TypeId::kInt4}, TypeId::kInt4, int_abs(TypeId::kInt4)});
  r.Add({"abs", {TypeId::kInt8}, TypeId::kInt8, int_abs(TypeId::kInt8)});
  r.Add({"abs", {TypeId::kFloat8}, TypeId::kFloat8,
         Strict([](const std::vector<Vector>& a, size_t i, Vector& out) { out.Double(i) = std::fabs(a[0].Double(i)); })});
}

}  // namespace orbit::sql
