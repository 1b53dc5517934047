#pragma once

// Bank accounts as actors. Each account's balance is persisted after every call.
// A transfer is a two-step exchange that survives a crash at any point: the
// sender debits itself and records the transfer as outgoing (saved), then
// credits the receiver, which applies each transfer id once; the sender drops
// the record after the credit succeeded, and retries records it still holds
// when it is activated again. Money is neither lost nor created.

#include <string>
#include <vector>

#include "orbit/registry.h"

namespace examples {

struct OutgoingTransfer {
  std::string id;
  std::string to;
  int64_t amount = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(OutgoingTransfer, id, to, amount)

struct AccountState {
  int64_t balance = 0;
  uint64_t next_transfer = 0;
  std::vector<OutgoingTransfer> outgoing;  // debited here, not yet credited there
  std::vector<std::string> applied;        // transfer ids credited to this account
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AccountState, balance, next_transfer, outgoing, applied)

class Account : public orbit::Actor {
 public:
  static constexpr std::string_view kTypeName = "Account";
  orbit::State<AccountState> state;

  orbit::Task<void> OnActivate() override;
  orbit::Task<int64_t> Deposit(int64_t amount);
  orbit::Task<int64_t> Withdraw(int64_t amount);
  orbit::Task<int64_t> Balance();
  // Debits this account and credits `to`; returns this account's new balance.
  orbit::Task<int64_t> Transfer(std::string to, int64_t amount);
  // Applies a transfer once; false if `transfer_id` was applied before.
  orbit::Task<bool> Credit(std::string transfer_id, int64_t amount);

 private:
  orbit::Task<void> DeliverOutgoing();
};

void RegisterBank(orbit::ActorRegistry& registry);

}  // namespace examples
