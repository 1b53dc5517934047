// orbit-server: parses configuration, starts the server, waits for SIGINT/SIGTERM.

#include <csignal>
#include <cstdio>

#include <spdlog/spdlog.h>

#include "server/config.h"
#include "server/server.h"

int main(int argc, char** argv) {
  auto args = orbit::server::ParseArgs(argc, argv);
  if (args.exit_code) {
    std::fputs(args.message.c_str(), *args.exit_code == 0 ? stdout : stderr);
    if (!args.message.empty() && args.message.back() != '\n') std::fputc('\n', *args.exit_code == 0 ? stdout : stderr);
    return *args.exit_code;
  }
  if (auto s = orbit::InitLogging(args.config.log_level, args.config.log_format_value()); !s.ok()) {
    std::fprintf(stderr, "orbit-server: %s\n", s.error().message().c_str());
    return 1;
  }

  // Signals are taken synchronously by this thread only; shard threads inherit
  // the blocked mask and never see them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  orbit::server::Server server(args.config);
  if (auto s = server.Start(); !s.ok()) {
    std::fprintf(stderr, "orbit-server: %s\n", s.error().message().c_str());
    return 1;
  }

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  auto closed = server.Shutdown();
  spdlog::info("shutdown complete");
  return closed.ok() ? 0 : 1;
}
