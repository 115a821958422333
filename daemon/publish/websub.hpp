#pragma once
// WebSub (W3C Recommendation, 2018) for the publisher's side: what each output advertises, and
// the "publish" ping to its hub after the output's bytes changed, retried with exponential
// backoff. The ping itself is sent by whoever owns an HTTP client (app wires the fetch stage's
// Fetcher in): publish stays free of libcurl.
//
// Loop thread only (HubPinger): no call blocks, the backoff is an Asio timer.

// clang-format off
#include <utility>  // before any Asio header (GCC 12 coroutine bug)
// clang-format on

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace tributary::publish {

// "hub.mode=publish&hub.url=<topic, percent-encoded>": the body of a publish ping
// (application/x-www-form-urlencoded).
std::string websub_ping_form(std::string_view topic);

// The HTTP Link header of a document served at `self` with `hub`:
// "<hub>; rel=\"hub\", <self>; rel=\"self\"" (RFC 8288); "" without a hub.
std::string websub_link_header(std::string_view hub, std::string_view self);

// The host of `url` ("hub.example" of "https://hub.example:8443/path?token=…"): what a log line
// may show of a hub's URL, whose path or query can hold a token.
std::string url_host(std::string_view url);

// How a ping went. `cause` never quotes a URL: "HTTP 500", "network_error", …
struct HubReply {
    bool ok = false;         // the hub answered 2xx
    bool cancelled = false;  // the daemon is stopping: no retry
    std::string cause;
};

// Sends `form` to `hub` as a POST, and calls `done` exactly once, later (never inline).
using HubPost = std::function<void(const std::string& hub, std::string form, std::function<void(HubReply)> done)>;

struct HubRetry {
    int max_attempts = 5;                            // the first one included
    std::chrono::milliseconds first_delay{1000};     // before the second attempt; doubled each time
    std::chrono::milliseconds max_delay{5 * 60000};  // the doubling stops here
};

// The wait before attempt `attempt + 1` after attempt `attempt` (1-based) failed.
std::chrono::milliseconds hub_retry_delay(const HubRetry& retry, int attempt);

class HubPinger {
public:
    HubPinger(boost::asio::io_context& io, HubPost post, HubRetry retry = {});
    ~HubPinger();  // stop()
    HubPinger(const HubPinger&) = delete;
    HubPinger& operator=(const HubPinger&) = delete;

    // Tells `hub` that `topic` (a document of output `output`) changed. One ping per hub and
    // topic at a time: a change while one is waiting to be retried sends the new one at once in
    // its place (attempts start again); a change while one is on the wire sends one more after it.
    // A failure is logged on one line naming the output and the hub's host (never its path or
    // query) and retried after hub_retry_delay, at most max_attempts times in all.
    void ping(std::string output, std::string hub, std::string topic);

    // Drops every ping waiting for a retry; replies still on the wire are ignored.
    void stop();

    // Pings on the wire or waiting for a retry.
    std::size_t pending() const;

private:
    struct State;
    std::shared_ptr<State> state_;
};

}  // namespace tributary::publish
