#pragma once
// The HTTP endpoint serving the merged feeds (Boost.Beast). Everything but
// make_snapshot() runs on the daemon's loop thread: the io_context's single
// thread. Handlers never block and never touch the database; they serve the
// bytes of the current immutable snapshot.

// clang-format off
#include <utility>  // before any Asio header (GCC 12 coroutine bug)
// clang-format on

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace tributary::publish {

inline constexpr std::chrono::seconds kOnDemandRenderWait{10};

inline constexpr std::string_view kRssContentType = "application/rss+xml; charset=utf-8";

// Immutable; shared between the publisher and in-flight responses, so a swap
// never disturbs a response being written.
struct Snapshot {
    std::string body;       // identity bytes
    std::string gzip_body;  // gzip of body; empty if compression failed (then never served gzipped)
    std::string etag;       // strong, quoted: "\"<hex64(fnv1a64(body))>\""
    // The gzip bytes are another representation, so another strong tag (RFC 9110 8.8.3): a cache
    // that stored one must not be told it holds the other. "\"<hex64>-gzip\"".
    std::string gzip_etag;
    SysTime last_modified;
    std::string last_modified_text;  // last_modified as an HTTP date, formatted once
    std::string content_type;        // "application/rss+xml; charset=utf-8"
    std::string cache_control = "public, max-age=60";
    std::string link;  // the Link header ("<hub>; rel=\"hub\", <self>; rel=\"self\""), "" = none
};

// Compresses `body` (zlib, gzip wrapper) and computes the ETag. CPU-bound for
// large bodies: call it where the feed is rendered, off the loop thread.
std::shared_ptr<const Snapshot> make_snapshot(std::string body, SysTime last_modified,
                                              std::string content_type = std::string(kRssContentType),
                                              std::string cache_control = "public, max-age=60", std::string link = {});

// Filled from the daemon's configuration (http_max_connections and the timeouts).
struct HttpLimits {
    // Open connections. At the cap the one idle longest is closed to admit a new one.
    std::size_t max_connections = 512;
    // A whole request header must arrive within this, counted from accept (or,
    // on a keep-alive connection, from its first byte): a trickling client gets no more.
    std::chrono::milliseconds header_timeout{5'000};
    std::chrono::milliseconds idle_timeout{15'000};   // keep-alive: waiting for the first byte of the next request
    std::chrono::milliseconds write_timeout{30'000};  // sending one response
    std::uint32_t max_header_bytes = 16 * 1024;       // larger request headers get 431
};

// GET/HEAD on a published path: 200 with ETag, Last-Modified, Cache-Control,
// Vary and gzip when accepted; 304 for If-None-Match / If-Modified-Since.
// "/healthz": 200 "ok\n". A path published with a null snapshot (declared but
// not rendered yet): 503 with Retry-After: 5. Other paths: 404. Other methods:
// 405 with Allow. Requests with a body: 413 (or 404/405), then the connection
// is closed.
//
// Idle and trickling sockets must not lock clients out: a connection not in the
// middle of answering a request is an eviction candidate, and at the cap (or
// when accept runs out of descriptors) the one waiting longest is closed so the
// newcomer is served. Only when every connection is sending a response is the
// newcomer closed instead.
class HttpServer {
public:
    HttpServer(boost::asio::io_context& io, std::string host, std::uint16_t port, HttpLimits limits = {});
    ~HttpServer();  // stop()s
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds and listens (port 0: a free port) and starts accepting. Resolving a
    // host name blocks: call it at start-up. Error(Io):
    // "publish: cannot listen on <host>:<port>: <reason>".
    Result<void> start();
    std::uint16_t port() const;  // the bound port after start(), else 0

    // Swaps the snapshot served at `url_path` ("/merged.xml"). A null snapshot
    // declares the path without content: it answers 503 until published. A snapshot with the
    // same bytes, type and Cache-Control as the one served is ignored: Last-Modified stays.
    void publish(std::string url_path, std::shared_ptr<const Snapshot> snapshot);

    // A page rendered when asked for, not ahead of time (the status pages and /metrics, whose size
    // grows with the feeds: rendering them at every round for nobody took 32 MB of a 10,000-feed
    // daemon's peak). A GET or HEAD of `url_path` whose snapshot was published more than `max_age`
    // ago, or never, calls `render` (once for all the requests that wait meanwhile) and is
    // answered with what publish() puts there next, or, if nothing comes within
    // kOnDemandRenderWait, with what the path held before (503 if nothing). `render` runs on the
    // loop thread and must not block: it arranges for publish() to be called later (or at once).
    // Requests within `max_age` of a publication share its snapshot, so a flood costs one render.
    void on_demand(std::string url_path, std::chrono::milliseconds max_age, std::function<void()> render);

    // Closes the acceptor and every open connection; io.run() can then return
    // once the aborted operations have completed. Idempotent.
    void stop();

    std::size_t connection_count() const;  // open connections, for metrics and tests
    // Connections closed to make room for new ones (at max_connections, or when
    // accept ran out of file descriptors), since start; for metrics.
    std::uint64_t evicted_count() const;

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;  // shared with the coroutines, which may outlive *this
};

}  // namespace tributary::publish
