#include "kv/pubsub.h"

#include "kv/command.h"
#include "protocol/resp/reply_builder.h"

namespace orbit::kv {

void PubSub::Subscribe(const std::string& channel, const Subscriber& s) {
  std::lock_guard lock(mu_);
  channels_[channel][s.client_id] = s;
}

void PubSub::Unsubscribe(const std::string& channel, uint64_t client_id) {
  std::lock_guard lock(mu_);
  auto it = channels_.find(channel);
  if (it == channels_.end()) return;
  it->second.erase(client_id);
  if (it->second.empty()) channels_.erase(it);
}

void PubSub::PSubscribe(const std::string& pattern, const Subscriber& s) {
  std::lock_guard lock(mu_);
  patterns_[pattern][s.client_id] = s;
}

void PubSub::PUnsubscribe(const std::string& pattern, uint64_t client_id) {
  std::lock_guard lock(mu_);
  auto it = patterns_.find(pattern);
  if (it == patterns_.end()) return;
  it->second.erase(client_id);
  if (it->second.empty()) patterns_.erase(it);
}

int64_t PubSub::Publish(const std::string& channel, const std::string& message) {
  std::vector<std::pair<std::function<void(std::string)>, std::string>> deliveries;
  {
    std::lock_guard lock(mu_);
    if (auto it = channels_.find(channel); it != channels_.end()) {
      for (const auto& [id, s] : it->second) deliveries.emplace_back(s.push, EncodeMessage(s.protocol, channel, message));
    }
    for (const auto& [pattern, subs] : patterns_) {
      if (!GlobMatch(pattern, channel)) continue;
      for (const auto& [id, s] : subs) {
        deliveries.emplace_back(s.push, EncodePMessage(s.protocol, pattern, channel, message));
      }
    }
  }
  for (auto& [push, frame] : deliveries) {
    if (push) push(std::move(frame));
  }
  return static_cast<int64_t>(deliveries.size());
}

std::vector<std::string> PubSub::Channels(const std::string& pattern) {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, subs] : channels_) {
    if (pattern.empty() || GlobMatch(pattern, name)) out.push_back(name);
  }
  return out;
}

int64_t PubSub::NumSub(const std::string& channel) {
  std::lock_guard lock(mu_);
  auto it = channels_.find(channel);
  return it == channels_.end() ? 0 : static_cast<int64_t>(it->second.size());
}

int64_t PubSub::NumPat() {
  std::lock_guard lock(mu_);
  return static_cast<int64_t>(patterns_.size());
}

std::string EncodeMessage(int protocol, const std::string& channel, const std::string& message) {
  std::string out;
  protocol::resp::ReplyBuilder r(out, protocol);
  r.PushHeader(3);
  r.Bulk("message");
  r.Bulk(channel);
  r.Bulk(message);
  return out;
}

std::string EncodePMessage(int protocol, const std::string& pattern, const std::string& channel,
                           const std::string& message) {
  std::string out;
  protocol::resp::ReplyBuilder r(out, protocol);
  r.PushHeader(4);
  r.Bulk("pmessage");
  r.Bulk(pattern);
  r.Bulk(channel);
  r.Bulk(message);
  return out;
}

}  // namespace orbit::kv
