#pragma once
// The fetch stage: FetchRequest -> FetchResult over HTTP(S), with libcurl's multi
// interface on the loop thread (see curl_multi_loop.hpp).
//
// Limits and policy, all from FetchSettings:
//  - at most max_concurrent transfers run; further requests wait in a FIFO queue inside the
//    Fetcher, so their connect/total timeouts only start when they really start. Per host,
//    curl itself holds back transfers beyond max_per_host connections (for those, curl's
//    timeout clock does run while they wait for a connection);
//  - connect_timeout and total_timeout, and a low-speed limit (< 1 byte/s for 30 s): timed_out;
//  - the body is capped at max_body_bytes after decompression, headers at 64 KiB: too_large;
//  - redirects: only to http/https, at most max_redirects, never from https to http, no
//    loops: redirect_error;
//  - unless request.allow_private, no connection to loopback/private/link-local/… addresses,
//    checked on the address actually connected to (after DNS): blocked;
//  - proxies from the environment are not used (they would bypass the address policy).
// Conditional GET: request.etag -> If-None-Match, request.last_modified -> If-Modified-Since;
// a 304 is FetchOutcome::not_modified.

#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "core/types.hpp"

namespace tributary::fetch {

// "Tributary/<version> (+feed aggregator; libcurl/<version>)"
std::string default_user_agent();

class Fetcher {
public:
    Fetcher(boost::asio::io_context& io, FetchSettings settings);  // throws std::runtime_error if curl_multi_init fails
    ~Fetcher();                                                    // cancels everything still in flight
    Fetcher(const Fetcher&) = delete;
    Fetcher& operator=(const Fetcher&) = delete;

    // Loop thread only. `on_done` is always called exactly once, via asio::post on io (never
    // inline from inside curl or from inside this call), with the result; a failure is a
    // FetchResult whose outcome says what and `error` says why ("fetch: <url>: <cause>").
    void fetch(FetchRequest request, std::function<void(FetchResult)> on_done);

    // Every queued/in-flight transfer completes with FetchOutcome::cancelled.
    void cancel_all();

    // Transfers started or queued, not yet completed.
    std::size_t in_flight() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace tributary::fetch
