#pragma once
// The fetch stage: FetchRequest -> FetchResult over HTTP(S), with libcurl's multi
// interface on the loop thread (see curl_multi_loop.hpp).
//
// Limits and policy, all from FetchSettings:
//  - at most max_concurrent transfers run, at most max_per_host of them to one host (the
//    requested URL's host name, ports not distinguished), and two transfers to one host start
//    at least min_host_spacing apart. Everything else waits in a queue inside the Fetcher
//    (FIFO, but a held-back host never blocks the others), so timeouts only start when a
//    transfer really starts; nothing is dropped. Redirect hops are followed at once (curl's
//    per-host connection cap, also max_per_host, still applies to them);
//  - connect_timeout and total_timeout, and a low-speed limit (less than low_speed_bytes per
//    second for low_speed_time; 0 disables it): timed_out;
//  - the body is capped at max_body_bytes after decompression, all response headers (redirects
//    included) at max_header_bytes: too_large;
//  - redirects: only to http/https, at most max_redirects, never from https to http, no
//    loops: redirect_error. permanent_redirect is true only when every hop was 301/308;
//  - unless request.allow_private, no connection to loopback/private/link-local/… addresses,
//    checked on the address actually connected to (after DNS, on new and reused
//    connections): blocked. Through a proxy, the proxy's address is trusted and only literal
//    addresses and localhost in the URL and redirect targets are checked (proxy_policy.hpp);
//  - HTTP/2 over TLS when the server offers it (ALPN), streams multiplexed on one connection;
//    idle connections stay in the multi handle's cache and are reused by later polls.
// Per request: extra headers (a feed's Accept replaces ours), basic auth (username/password;
// sent to the URL's host only, never logged, and user info in URLs is masked as ***@ in errors
// and logs), proxy (request.proxy, "none", or the standard environment variables: see
// proxy_policy.hpp), user_agent (else the settings', else default_user_agent()), ca_file
// (CURLOPT_CAINFO: used instead of the default CA bundle file; the system CA directory,
// /etc/ssl/certs on Debian, stays trusted, so in effect it adds to the system's CAs) and verify_tls = false
// (no peer or host name verification).
// request.post_form not empty: a POST of it as application/x-www-form-urlencoded (a WebSub ping).
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

    // Transfers started and not yet completed (in_flight() minus the queue).
    std::size_t running() const;

    // TCP connections opened so far (to servers or proxies): with reuse, fewer than transfers.
    std::size_t connections_opened() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace tributary::fetch
