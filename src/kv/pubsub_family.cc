// Pub/sub commands: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH,
// PUBSUB CHANNELS/NUMSUB/NUMPAT. Subscription replies are push frames in RESP3
// and arrays in RESP2, one per channel, as Redis sends them.

#include "kv/command.h"
#include "kv/keyspace.h"

namespace orbit::kv {
namespace {

void Confirm(CommandContext& c, std::string_view kind, const std::string* name, size_t count) {
  c.reply.PushHeader(3);
  c.reply.Bulk(kind);
  if (name) c.reply.Bulk(*name);
  else c.reply.Null();
  c.reply.Integer(static_cast<int64_t>(count));
}

Subscriber Self(CommandContext& c) { return Subscriber{c.client.id, c.client.protocol, c.client.push}; }

void Subscribe(CommandContext& c) {
  SubscriptionState& subs = c.keyspace.Subs(c.client);
  for (size_t i = 1; i < c.argc(); ++i) {
    std::string ch(c.arg(i));
    if (subs.channels.insert(ch).second) c.keyspace.pubsub().Subscribe(ch, Self(c));
    Confirm(c, "subscribe", &ch, subs.count());
  }
}

void PSubscribe(CommandContext& c) {
  SubscriptionState& subs = c.keyspace.Subs(c.client);
  for (size_t i = 1; i < c.argc(); ++i) {
    std::string p(c.arg(i));
    if (subs.patterns.insert(p).second) c.keyspace.pubsub().PSubscribe(p, Self(c));
    Confirm(c, "psubscribe", &p, subs.count());
  }
}

void UnsubscribeGeneric(CommandContext& c, bool patterns) {
  SubscriptionState& subs = c.keyspace.Subs(c.client);
  std::set<std::string>& set = patterns ? subs.patterns : subs.channels;
  std::string_view kind = patterns ? "punsubscribe" : "unsubscribe";
  std::vector<std::string> names;
  if (c.argc() == 1) names.assign(set.begin(), set.end());
  else for (size_t i = 1; i < c.argc(); ++i) names.emplace_back(c.arg(i));
  if (names.empty()) return Confirm(c, kind, nullptr, subs.count());
  for (const auto& n : names) {
    if (set.erase(n)) {
      if (patterns) c.keyspace.pubsub().PUnsubscribe(n, c.client.id);
      else c.keyspace.pubsub().Unsubscribe(n, c.client.id);
    }
    Confirm(c, kind, &n, subs.count());
  }
}

void Unsubscribe(CommandContext& c) { UnsubscribeGeneric(c, false); }
void PUnsubscribe(CommandContext& c) { UnsubscribeGeneric(c, true); }

void Publish(CommandContext& c) {
  c.reply.Integer(c.keyspace.pubsub().Publish(std::string(c.arg(1)), std::string(c.arg(2))));
}

void PubSubCmd(CommandContext& c) {
  std::string sub = Lower(c.arg(1));
  if (sub == "channels" && c.argc() <= 3) {
    auto names = c.keyspace.pubsub().Channels(c.argc() == 3 ? std::string(c.arg(2)) : std::string());
    c.reply.ArrayHeader(names.size());
    for (const auto& n : names) c.reply.Bulk(n);
    return;
  }
  if (sub == "numsub") {
    c.reply.MapHeader(c.argc() - 2);
    for (size_t i = 2; i < c.argc(); ++i) {
      c.reply.Bulk(c.arg(i));
      c.reply.Integer(c.keyspace.pubsub().NumSub(std::string(c.arg(i))));
    }
    return;
  }
  if (sub == "numpat" && c.argc() == 2) return c.reply.Integer(c.keyspace.pubsub().NumPat());
  c.reply.Error(SubcommandError("pubsub", c.arg(1), sub == "channels" || sub == "numsub" || sub == "numpat"));
}

}  // namespace

void RegisterPubSubFamily(CommandRegistry& r) {
  r.Register({"subscribe", -2, kPubSub, 0, 0, 0, Subscribe, "pubsub", "Listens for messages published to channels.", "2.0.0"});
  r.Register({"unsubscribe", -1, kPubSub, 0, 0, 0, Unsubscribe, "pubsub", "Stops listening to messages posted to channels.", "2.0.0"});
  r.Register({"psubscribe", -2, kPubSub, 0, 0, 0, PSubscribe, "pubsub", "Listens for messages published to channels that match one or more patterns.", "2.0.0"});
  r.Register({"punsubscribe", -1, kPubSub, 0, 0, 0, PUnsubscribe, "pubsub", "Stops listening to messages published to channels that match one or more patterns.", "2.0.0"});
  r.Register({"publish", 3, kFast, 0, 0, 0, Publish, "pubsub", "Posts a message to a channel.", "2.0.0"});
  r.Register({"pubsub", -2, 0, 0, 0, 0, PubSubCmd, "pubsub", "A container for Pub/Sub commands.", "2.8.0"});
}

}  // namespace orbit::kv
