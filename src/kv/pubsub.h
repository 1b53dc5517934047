#pragma once

// Pub/sub: channel and pattern subscriptions across all connections. PUBLISH
// delivers to every subscriber's connection through its push function (posted to
// the subscriber's shard), so publishers never touch other connections directly.

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace orbit::kv {

struct Subscriber {
  uint64_t client_id = 0;
  int protocol = 2;
  std::function<void(std::string)> push;
};

class PubSub {
 public:
  // Return the number of channels/patterns the client is subscribed to afterwards.
  void Subscribe(const std::string& channel, const Subscriber& s);
  void Unsubscribe(const std::string& channel, uint64_t client_id);
  void PSubscribe(const std::string& pattern, const Subscriber& s);
  void PUnsubscribe(const std::string& pattern, uint64_t client_id);
  // Delivers to channel and pattern subscribers; returns the number of receivers.
  int64_t Publish(const std::string& channel, const std::string& message);

  std::vector<std::string> Channels(const std::string& pattern);
  int64_t NumSub(const std::string& channel);
  int64_t NumPat();

 private:
  std::mutex mu_;
  std::map<std::string, std::map<uint64_t, Subscriber>> channels_;
  std::map<std::string, std::map<uint64_t, Subscriber>> patterns_;
};

// The message frames: ["message", channel, payload] and ["pmessage", pattern,
// channel, payload] (RESP3 push frames, RESP2 arrays).
std::string EncodeMessage(int protocol, const std::string& channel, const std::string& message);
std::string EncodePMessage(int protocol, const std::string& pattern, const std::string& channel,
                           const std::string& message);

}  // namespace orbit::kv
