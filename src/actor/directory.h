#pragma once

// A shard's directory: its live activations, keyed by identity. One lookup per
// call and one insert per activation, so it must be cheap at millions of
// entries. It is an open-addressing table (boost::unordered_flat_set) of
// 16-byte slots holding the identity's hash and the activation: a lookup reads
// the slot group's metadata and the slots whose hash tag matches, and touches an
// activation (a likely cache miss) only when its hash matches; growth moves
// slots without touching activations. The hash is ActorIdHash, computed once
// per call by the caller (it also picks the shard). Only the owning shard
// touches it.

#include <boost/unordered/unordered_flat_set.hpp>

#include "actor/activation.h"

namespace orbit::actor {

class Directory {
 public:
  // The activation of `id`, or null.
  Activation* Find(const ActorId& id, size_t hash) const {
    auto it = set_.find(Key{&id, hash});
    return it == set_.end() ? nullptr : it->activation.get();
  }
  // Adds an activation whose identity (hashing to `hash`) is not in the directory.
  void Insert(ActivationPtr activation, size_t hash) { set_.insert(Slot{hash, std::move(activation)}); }
  // Removes `activation` if it is the one its identity maps to.
  void Erase(const Activation& activation) {
    auto it = set_.find(Key{&activation.id, ActorIdHash{}(activation.id)});
    if (it != set_.end() && it->activation.get() == &activation) set_.erase(it);
  }
  size_t size() const { return set_.size(); }
  template <typename Fn>
  void ForEach(Fn fn) const {
    for (const Slot& slot : set_) fn(slot.activation);
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
  boost::unordered_flat_set<Slot, Hash, Eq> set_;
};

}  // namespace orbit::actor
