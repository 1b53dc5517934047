// The bank example as an embedded application: opens accounts, moves money and
// prints the balances, which persist in the data directory between runs.
//
//   build/release/bin/bank [data-dir]

#include <cstdio>

#include "bank/account.h"
#include "orbit/node.h"

int main(int argc, char** argv) {
  orbit::NodeOptions options;
  options.data_dir = argc > 1 ? argv[1] : "./bank-data";
  auto node = orbit::Node::Start(options, examples::RegisterBank);
  if (!node.ok()) {
    std::fprintf(stderr, "cannot start the node: %s\n", node.error().ToString().c_str());
    return 1;
  }
  orbit::Node& n = **node;
  using examples::Account;
  int rc = n.Run([&]() -> orbit::Task<int> {
    auto alice = n.Ref<Account>("alice");
    auto bob = n.Ref<Account>("bob");
    auto deposited = co_await alice.Call(&Account::Deposit, int64_t{100});
    if (!deposited.ok()) {
      std::fprintf(stderr, "deposit failed: %s\n", deposited.error().ToString().c_str());
      co_return 1;
    }
    auto moved = co_await alice.Call(&Account::Transfer, std::string("bob"), int64_t{30});
    if (!moved.ok()) std::fprintf(stderr, "transfer failed: %s\n", moved.error().ToString().c_str());
    auto overdraw = co_await bob.Call(&Account::Withdraw, int64_t{1'000'000});
    std::printf("overdraw refused: %s\n", overdraw.ok() ? "no" : overdraw.error().message().c_str());
    auto a = co_await alice.Call(&Account::Balance);
    auto b = co_await bob.Call(&Account::Balance);
    if (!a.ok() || !b.ok()) co_return 1;
    std::printf("alice %lld, bob %lld, total %lld\n", static_cast<long long>(*a), static_cast<long long>(*b),
                static_cast<long long>(*a + *b));
    co_return 0;
  });
  return rc;
}
