// Configuration precedence: defaults < orbit.toml < ORBIT_* environment < flags.

#include "server/config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "storage_test_util.h"

namespace orbit::server {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const char* v : {"ORBIT_REDIS_PORT", "ORBIT_PG_PORT", "ORBIT_HTTP_ENABLED", "ORBIT_CONFIG", "ORBIT_LOG_FORMAT"}) {
      ::unsetenv(v);
    }
  }

  std::string WriteFile(const std::string& text) {
    std::string path = dir_.path() + "/orbit.toml";
    std::ofstream(path) << text;
    return path;
  }

  ParsedArgs Parse(std::vector<std::string> args) {
    args.insert(args.begin(), "orbit-server");
    std::vector<const char*> argv;
    for (auto& a : args) argv.push_back(a.c_str());
    return ParseArgs(static_cast<int>(argv.size()), argv.data());
  }

  storage::TempDir dir_;
};

TEST_F(ConfigTest, Defaults) {
  auto p = Parse({});
  ASSERT_FALSE(p.exit_code) << p.message;
  EXPECT_EQ(p.config.data_dir, "./data");
  EXPECT_EQ(p.config.bind, "127.0.0.1");
  EXPECT_EQ(p.config.http_port, 8080);
  EXPECT_EQ(p.config.protocols.at("redis").port, 6379);
  EXPECT_EQ(p.config.protocols.at("pg").port, 5432);
  EXPECT_EQ(p.config.protocols.at("grpc").port, 50051);
  EXPECT_TRUE(p.config.protocols.at("mysql").enabled);
  EXPECT_EQ(p.config.durability, "sync");
  EXPECT_GE(p.config.thread_count(), 1u);
}

TEST_F(ConfigTest, FileThenEnvironmentThenFlags) {
  std::string path = WriteFile(R"(
data-dir = "/from/file"
[http]
port = 1111
[redis]
port = 2222
[pg]
port = 3333
enabled = false
)");
  ::setenv("ORBIT_REDIS_PORT", "4444", 1);
  ::setenv("ORBIT_PG_PORT", "5555", 1);
  auto p = Parse({"--config", path, "--pg-port", "6666", "--pg-enabled", "true"});
  ASSERT_FALSE(p.exit_code) << p.message;
  EXPECT_EQ(p.config.config_file, path);
  EXPECT_EQ(p.config.data_dir, "/from/file");          // file only
  EXPECT_EQ(p.config.http_port, 1111);                  // file only
  EXPECT_EQ(p.config.protocols.at("redis").port, 4444);  // env beats file
  EXPECT_EQ(p.config.protocols.at("pg").port, 6666);     // flag beats env and file
  EXPECT_TRUE(p.config.protocols.at("pg").enabled);      // flag beats file
}

TEST_F(ConfigTest, ConfigFileFromEnvironment) {
  ::setenv("ORBIT_CONFIG", WriteFile("threads = 3\n").c_str(), 1);
  auto p = Parse({});
  ASSERT_FALSE(p.exit_code) << p.message;
  EXPECT_EQ(p.config.threads, 3u);
}

TEST_F(ConfigTest, BadValuesAreErrors) {
  auto bad_type = Parse({"--config", WriteFile("[http]\nport = \"eighty\"\n")});
  ASSERT_TRUE(bad_type.exit_code);
  EXPECT_EQ(*bad_type.exit_code, 1);
  EXPECT_NE(bad_type.message.find("http.port"), std::string::npos) << bad_type.message;

  auto range = Parse({"--http-port", "70000"});
  ASSERT_TRUE(range.exit_code);
  EXPECT_EQ(*range.exit_code, 1);

  auto syntax = Parse({"--config", WriteFile("[http\n")});
  ASSERT_TRUE(syntax.exit_code);

  ::setenv("ORBIT_LOG_FORMAT", "yaml", 1);
  auto format = Parse({});
  ASSERT_TRUE(format.exit_code);
  EXPECT_NE(format.message.find("log-format"), std::string::npos);

  auto unknown = Parse({"--no-such-flag"});
  ASSERT_TRUE(unknown.exit_code);
  EXPECT_EQ(*unknown.exit_code, 1);
}

TEST_F(ConfigTest, HelpListsEveryProtocolWithItsEnvironmentVariable) {
  auto p = Parse({"--help"});
  ASSERT_TRUE(p.exit_code);
  EXPECT_EQ(*p.exit_code, 0);
  for (const auto& [name, port] : KnownProtocols()) {
    EXPECT_NE(p.message.find("--" + name + "-port"), std::string::npos) << name;
    EXPECT_NE(p.message.find("--" + name + "-enabled"), std::string::npos) << name;
  }
  EXPECT_NE(p.message.find("ORBIT_HTTP_PORT"), std::string::npos);
}

}  // namespace
}  // namespace orbit::server
