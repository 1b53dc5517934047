#pragma once

// The hello-world actor: one Greeter per key, activated on its first call.

#include <string>

#include "orbit/registry.h"

namespace examples {

class Greeter : public orbit::Actor {
 public:
  static constexpr std::string_view kTypeName = "Greeter";

  orbit::Task<std::string> Greet(std::string name) {
    ++greetings_;
    co_return "Hello, " + name + "! (greeter " + key() + ", greeting #" + std::to_string(greetings_) + ")";
  }

 private:
  int64_t greetings_ = 0;  // in memory only: starts again after deactivation
};

inline void RegisterHelloWorld(orbit::ActorRegistry& registry) {
  registry.Add<Greeter>().Describe("Says hello").Method("Greet", &Greeter::Greet, {"name"});
}

}  // namespace examples
