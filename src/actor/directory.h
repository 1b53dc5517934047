#pragma once

// A shard's directory: its live activations, keyed by identity. One lookup per
// call and one insert per activation, so it must be cheap at millions of
// entries. It is an open-addressing table (boost::unordered_flat_set) of
// 16-byte slots holding the identity's hash and the activation: a lookup reads
// the slot group's metadata and the slots whose hash tag matches, and touches an
// activation (a likely cache miss) only when its hash matches; growth moves
// slots without touching activations. The table is split into 256 parts by the
// hash's top byte, so growing one rehashes a few thousand slots that fit in the
// cache instead of millions spread over fresh memory (one table measured 7% of
// the activation benchmark's time in rehashing). The hash is ActorIdHash,
// computed once per call by the caller (its low bits also pick the shard). Only
// the owning shard touches it.

#include <array>
#include <cstddef>

#include <boost/unordered/unordered_flat_set.hpp>

#include "actor/activation.h"

namespace orbit::actor {

class Directory {
 public:
  // The activation of `id`, or null.
  Activation* Find(const ActorId& id, size_t hash) const {
    const Part& part = PartOf(hash);
    auto it = part.find(Key{&id, hash});
    return it == part.end() ? nullptr : it->activation.get();
  }
  // Adds an activation whose identity (hashing to `hash`) is not in the directory.
  void Insert(ActivationPtr activation, size_t hash) {
    PartOf(hash).insert(Slot{hash, std::move(activation)});
    ++size_;
  }
  // Removes `activation` if it is the one its identity maps to.
  void Erase(const Activation& activation) {
    size_t hash = ActorIdHash{}(activation.id);
    Part& part = PartOf(hash);
    auto it = part.find(Key{&activation.id, hash});
    if (it != part.end() && it->activation.get() == &activation) {
      part.erase(it);
      --size_;
    }
  }
  size_t size() const { return size_; }
  template <typename Fn>
  void ForEach(Fn fn) const {
    for (const Part& part : parts_) {
      for (const Slot& slot : part) fn(slot.activation);
    }
  }

 private:
  struct Slot {
    size_t hash;
    ActivationPtr activation;
  };
  struct Key {
    const ActorId* id;
    size_t hash;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(const Slot& s) const noexcept { return s.hash; }
    size_t operator()(const Key& k) const noexcept { return k.hash; }
  };
  struct Eq {
    using is_transparent = void;
    bool operator()(const Slot& a, const Slot& b) const { return a.hash == b.hash && a.activation->id == b.activation->id; }
    bool operator()(const Key& k, const Slot& s) const { return k.hash == s.hash && *k.id == s.activation->id; }
    bool operator()(const Slot& s, const Key& k) const { return k.hash == s.hash && *k.id == s.activation->id; }
  };
  using Part = boost::unordered_flat_set<Slot, Hash, Eq>;
  Part& PartOf(size_t hash) { return parts_[hash >> 56]; }
  const Part& PartOf(size_t hash) const { return parts_[hash >> 56]; }

  std::array<Part, 256> parts_;
  size_t size_ = 0;
};

}  // namespace orbit::actor
