// Hello world: an application that embeds an Orbit node and calls an actor.
//
//   build/release/bin/hello_world [data-dir] [name]

#include <cstdio>
#include <string>

#include "hello_world/greeter.h"
#include "orbit/node.h"

int main(int argc, char** argv) {
  orbit::NodeOptions options;
  options.data_dir = argc > 1 ? argv[1] : "./hello-world-data";
  std::string name = argc > 2 ? argv[2] : "world";

  auto node = orbit::Node::Start(options, examples::RegisterHelloWorld);
  if (!node.ok()) {
    std::fprintf(stderr, "cannot start the node: %s\n", node.error().ToString().c_str());
    return 1;
  }
  orbit::Node& n = **node;
  auto reply = n.Run([&]() -> orbit::Task<orbit::Result<std::string>> {
    auto greeter = n.Ref<examples::Greeter>("greeter-1");
    (void)co_await greeter.Call(&examples::Greeter::Greet, std::string("first caller"));
    co_return co_await greeter.Call(&examples::Greeter::Greet, name);
  });
  if (!reply.ok()) {
    std::fprintf(stderr, "call failed: %s\n", reply.error().ToString().c_str());
    return 1;
  }
  std::printf("%s\n", reply->c_str());
  return 0;
}
