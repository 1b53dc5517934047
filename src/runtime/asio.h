#pragma once

// The one place Orbit includes Boost.Asio's core. Asio is compiled once, in
// asio_impl.cc (BOOST_ASIO_SEPARATE_COMPILATION), to keep other translation units lean.

#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace orbit {
namespace asio = boost::asio;
using tcp = boost::asio::ip::tcp;
template <typename T = void>
using Task = boost::asio::awaitable<T>;
}  // namespace orbit
