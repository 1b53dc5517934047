// HTTP request parsing limits and routing.

#include <gtest/gtest.h>

#include <boost/asio/use_future.hpp>

#include "http/http_session.h"
#include "http/router.h"

namespace orbit::http {
namespace {

TEST(HttpParse, CompleteIncompleteAndPipelined) {
  HttpLimits limits;
  Request req;
  std::string two = "GET /a?x=1 HTTP/1.1\r\nHost: h\r\nX-Name: V\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc";
  auto r = ParseRequest(two, limits, req);
  ASSERT_TRUE(r.complete);
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.path, "/a");
  EXPECT_EQ(req.query, "x=1");
  EXPECT_EQ(req.Header("x-name"), "V");
  auto r2 = ParseRequest(std::string_view(two).substr(r.consumed), limits, req);
  ASSERT_TRUE(r2.complete);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.body, "abc");

  auto partial = ParseRequest("GET / HTTP/1.1\r\nHost:", limits, req);
  EXPECT_FALSE(partial.complete);
  EXPECT_EQ(partial.error_status, 0);
  auto partial_body = ParseRequest("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc", limits, req);
  EXPECT_FALSE(partial_body.complete);
  EXPECT_EQ(partial_body.error_status, 0);
}

TEST(HttpParse, LimitsAndGarbage) {
  HttpLimits limits;
  limits.max_body_bytes = 10;
  limits.max_header_bytes = 64;
  Request req;
  EXPECT_EQ(ParseRequest("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", limits, req).error_status, 413);
  EXPECT_EQ(ParseRequest("GET / HTTP/1.1\r\nX: " + std::string(100, 'a'), limits, req).error_status, 431);
  EXPECT_EQ(ParseRequest("\x01\x02garbage\r\n\r\n", limits, req).error_status, 400);
}

TEST(Router, ParamsNotFoundAndMethodNotAllowed) {
  Router router;
  router.Add("GET", "/api/v1/actors/{type}/{key}", "state", [](const Request& r) -> Task<Response> {
    co_return Response::Json(200, r.params.at("type") + "/" + r.params.at("key"));
  });
  asio::io_context io;
  auto run = [&](std::string method, std::string path) {
    Request req;
    req.method = std::move(method);
    req.path = std::move(path);
    auto f = asio::co_spawn(io, router.Dispatch(req), asio::use_future);
    io.restart();
    io.run();
    return f.get();
  };
  auto ok = run("GET", "/api/v1/actors/greeter/bob");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "greeter/bob");
  EXPECT_EQ(run("GET", "/api/v1/actors/greeter").status, 404);
  EXPECT_EQ(run("GET", "/api/v1/actors/greeter/bob/extra").status, 404);
  auto wrong = run("DELETE", "/api/v1/actors/greeter/bob");
  EXPECT_EQ(wrong.status, 405);
  ASSERT_EQ(wrong.headers.size(), 1u);
  EXPECT_EQ(wrong.headers[0].second, "GET");
}

}  // namespace
}  // namespace orbit::http
