#pragma once

// Every example actor type, as orbit-server hosts them.

#include "bank/account.h"
#include "hello_world/greeter.h"

namespace examples {

inline void RegisterExampleActors(orbit::ActorRegistry& registry) {
  RegisterHelloWorld(registry);
  RegisterBank(registry);
}

}  // namespace examples
