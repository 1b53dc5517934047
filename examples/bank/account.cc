#include "bank/account.h"

#include <algorithm>
#include <stdexcept>

namespace examples {

orbit::Task<void> Account::OnActivate() {
  // Transfers debited before a crash are delivered again, outside this turn.
  if (!state->outgoing.empty()) {
    StartTimer("redeliver", std::chrono::milliseconds(0), std::chrono::milliseconds(0), [this] { return DeliverOutgoing(); });
  }
  co_return;
}

orbit::Task<int64_t> Account::Deposit(int64_t amount) {
  if (amount <= 0) throw std::invalid_argument("the amount must be positive");
  state->balance += amount;
  co_return state->balance;
}

orbit::Task<int64_t> Account::Withdraw(int64_t amount) {
  if (amount <= 0) throw std::invalid_argument("the amount must be positive");
  if (amount > state->balance) throw std::runtime_error("insufficient funds");
  state->balance -= amount;
  co_return state->balance;
}

orbit::Task<int64_t> Account::Balance() { co_return state->balance; }

orbit::Task<int64_t> Account::Transfer(std::string to, int64_t amount) {
  if (amount <= 0) throw std::invalid_argument("the amount must be positive");
  if (to == key()) throw std::invalid_argument("cannot transfer to the same account");
  if (amount > state->balance) throw std::runtime_error("insufficient funds");
  state->balance -= amount;
  state->outgoing.push_back({key() + ":" + std::to_string(state->next_transfer++), to, amount});
  auto saved = co_await state.Save();  // the debit and its record are durable before the credit
  if (!saved.ok()) throw std::runtime_error(saved.error().ToString());
  co_await DeliverOutgoing();
  co_return state->balance;
}

orbit::Task<bool> Account::Credit(std::string transfer_id, int64_t amount) {
  if (std::find(state->applied.begin(), state->applied.end(), transfer_id) != state->applied.end()) co_return false;
  state->balance += amount;
  state->applied.push_back(std::move(transfer_id));
  co_return true;
}

orbit::Task<void> Account::DeliverOutgoing() {
  std::vector<OutgoingTransfer> still;
  for (const auto& t : state->outgoing) {
    auto credited = co_await Ref<Account>(t.to).Call(&Account::Credit, t.id, t.amount);
    if (!credited.ok()) still.push_back(t);  // kept: retried on the next activation
  }
  state->outgoing = std::move(still);
  auto saved = co_await state.Save();
  if (!saved.ok()) throw std::runtime_error(saved.error().ToString());
}

void RegisterBank(orbit::ActorRegistry& registry) {
  registry.Add<Account>()
      .Describe("A bank account with a persisted balance")
      .State(&Account::state)
      .SaveAfterEachCall()
      .ExposeState()
      .Method("Deposit", &Account::Deposit, {"amount"})
      .Method("Withdraw", &Account::Withdraw, {"amount"})
      .Method("Balance", &Account::Balance)
      .Method("Transfer", &Account::Transfer, {"to", "amount"})
      .Method("Credit", &Account::Credit, {"transfer_id", "amount"});
}

}  // namespace examples
