#include "kv/persistence.h"

#include <cstring>

#include "storage/key_codec.h"

namespace orbit::kv {
namespace {

using storage::ColumnFamily;
using storage::KeyEncoder;

void PutI64(std::string& out, int64_t v) {
  char buf[8];
  std::memcpy(buf, &v, 8);
  out.append(buf, 8);
}

int64_t GetI64(std::string_view in, size_t at) {
  int64_t v;
  std::memcpy(&v, in.data() + at, 8);
  return v;
}

std::string MetaValue(const Entry& e) {
  std::string v;
  v.push_back(static_cast<char>(e.type()));
  PutI64(v, e.expire_ms);
  if (auto* list = std::get_if<ListValue>(&e.data)) PutI64(v, list->head);
  if (auto* s = std::get_if<std::string>(&e.data)) v.append(*s);
  return v;
}

}  // namespace

std::string Persistence::EncodeScore(double score) {
  std::string out(8, '\0');
  std::memcpy(out.data(), &score, 8);
  return out;
}

std::string Persistence::MetaKey(int db, std::string_view key) {
  return KeyEncoder().AddString("m").AddInt(db).AddBytes(key).Release();
}
std::string Persistence::ElementPrefix(int db, std::string_view key) {
  return KeyEncoder().AddString("e").AddInt(db).AddBytes(key).Release();
}
std::string Persistence::FieldKey(int db, std::string_view key, std::string_view field) {
  return KeyEncoder().AddString("e").AddInt(db).AddBytes(key).AddBytes(field).Release();
}
std::string Persistence::ListKey(int db, std::string_view key, int64_t seq) {
  return KeyEncoder().AddString("e").AddInt(db).AddBytes(key).AddInt(seq).Release();
}

void Persistence::PutMeta(storage::WriteBatch& batch, int db, std::string_view key, const Entry& entry) {
  batch.Put(ColumnFamily::kKv, MetaKey(db, key), MetaValue(entry));
}

void Persistence::PutAll(storage::WriteBatch& batch, int db, std::string_view key, const Entry& entry) {
  if (entry.type() != ValueType::kString) {
    std::string prefix = ElementPrefix(db, key);
    batch.DeleteRange(ColumnFamily::kKv, prefix, storage::PrefixSuccessor(prefix));
  }
  PutMeta(batch, db, key, entry);
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, HashValue>) {
          for (const auto& [f, val] : v) batch.Put(ColumnFamily::kKv, FieldKey(db, key, f), val);
        } else if constexpr (std::is_same_v<T, SetValue>) {
          for (const auto& m : v) batch.Put(ColumnFamily::kKv, FieldKey(db, key, m), "");
        } else if constexpr (std::is_same_v<T, ZSetValue>) {
          for (const auto& [m, score] : v.scores) batch.Put(ColumnFamily::kKv, FieldKey(db, key, m), EncodeScore(score));
        } else if constexpr (std::is_same_v<T, ListValue>) {
          for (size_t i = 0; i < v.items.size(); ++i) {
            batch.Put(ColumnFamily::kKv, ListKey(db, key, v.head + static_cast<int64_t>(i)), v.items[i]);
          }
        }
      },
      entry.data);
}

void Persistence::DeleteKey(storage::WriteBatch& batch, int db, std::string_view key, ValueType type) {
  batch.Delete(ColumnFamily::kKv, MetaKey(db, key));
  if (type != ValueType::kString) {
    std::string prefix = ElementPrefix(db, key);
    batch.DeleteRange(ColumnFamily::kKv, prefix, storage::PrefixSuccessor(prefix));
  }
}

Status Persistence::LoadAll(storage::Engine& engine, int64_t now_ms,
                            const std::function<void(int db, std::string key, Entry entry)>& fn) {
  std::string meta_prefix = KeyEncoder().AddString("m").Release();
  storage::WriteBatch expired(engine);
  auto it = engine.Scan(ColumnFamily::kKv, meta_prefix, storage::PrefixSuccessor(meta_prefix));
  for (; it->Valid(); it->Next()) {
    storage::KeyDecoder dec(it->key());
    auto tag = dec.Next();
    auto db = dec.Next();
    auto key = dec.Next();
    std::string_view v = it->value();
    if (!tag.ok() || !db.ok() || !key.ok() || v.size() < 9) {
      return Error(ErrorCode::kCorruption, "kv: malformed meta record");
    }
    int dbi = static_cast<int>(std::get<int64_t>(db->value));
    std::string name = std::get<storage::Bytes>(key->value).data;
    auto type = static_cast<ValueType>(static_cast<uint8_t>(v[0]));
    Entry e;
    e.expire_ms = GetI64(v, 1);
    if (e.expire_ms != 0 && e.expire_ms <= now_ms) {
      DeleteKey(expired, dbi, name, type);
      continue;
    }
    std::string prefix = ElementPrefix(dbi, name);
    auto for_elements = [&](auto&& each) {
      auto el = engine.Scan(ColumnFamily::kKv, prefix, storage::PrefixSuccessor(prefix));
      for (; el->Valid(); el->Next()) {
        storage::KeyDecoder d(el->key().substr(prefix.size()));
        auto field = d.Next();
        if (field.ok()) each(field->value, el->value());
      }
      return el->status();
    };
    Status s = Ok();
    switch (type) {
      case ValueType::kString:
        e.data = std::string(v.substr(9));
        break;
      case ValueType::kHash: {
        HashValue h;
        s = for_elements([&](const storage::KeyValue& f, std::string_view val) {
          h.emplace(std::get<storage::Bytes>(f).data, std::string(val));
        });
        e.data = std::move(h);
        break;
      }
      case ValueType::kSet: {
        SetValue set;
        s = for_elements([&](const storage::KeyValue& f, std::string_view) { set.insert(std::get<storage::Bytes>(f).data); });
        e.data = std::move(set);
        break;
      }
      case ValueType::kZSet: {
        ZSetValue z;
        s = for_elements([&](const storage::KeyValue& f, std::string_view val) {
          if (val.size() != 8) return;
          double score;
          std::memcpy(&score, val.data(), 8);
          const std::string& member = std::get<storage::Bytes>(f).data;
          z.scores.emplace(member, score);
          z.tree.insert({score, member});
        });
        e.data = std::move(z);
        break;
      }
      case ValueType::kList: {
        if (v.size() < 17) return Error(ErrorCode::kCorruption, "kv: malformed list meta");
        // The head is the first element's sequence number (the meta's copy is
        // only written at creation; pushes and pops do not rewrite it).
        ListValue list;
        list.head = GetI64(v, 9);
        bool first = true;
        s = for_elements([&](const storage::KeyValue& seq, std::string_view val) {
          if (first && std::holds_alternative<int64_t>(seq)) list.head = std::get<int64_t>(seq);
          first = false;
          list.items.emplace_back(val);
        });
        e.data = std::move(list);
        break;
      }
      default:
        return Error(ErrorCode::kCorruption, "kv: unknown type in meta record");
    }
    if (!s.ok()) return s;
    fn(dbi, std::move(name), std::move(e));
  }
  if (auto s = it->status(); !s.ok()) return s;
  if (expired.Count() > 0) return engine.Write(expired);
  return Ok();
}

}  // namespace orbit::kv
