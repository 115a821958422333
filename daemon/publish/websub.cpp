#include "publish/websub.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <map>

namespace tributary::publish {
namespace {

std::shared_ptr<spdlog::logger> publish_logger() {
    if (auto named = spdlog::get("publish")) return named;
    return spdlog::default_logger();
}

// RFC 3986 unreserved characters stay; everything else is %XX (application/x-www-form-urlencoded
// as WHATWG URL's serializer writes it, with space as %20 rather than '+': both decode the same).
void append_form_encoded(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        const bool unreserved = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') ||
                                u == '-' || u == '.' || u == '_' || u == '~';
        if (unreserved) {
            out += c;
        } else {
            out += '%';
            out += kHex[u >> 4];
            out += kHex[u & 0xF];
        }
    }
}

}  // namespace

std::string websub_ping_form(std::string_view topic) {
    std::string out = "hub.mode=publish&hub.url=";
    append_form_encoded(out, topic);
    return out;
}

std::string websub_link_header(std::string_view hub, std::string_view self) {
    if (hub.empty()) return {};
    std::string out = "<" + std::string(hub) + ">; rel=\"hub\"";
    if (!self.empty()) out += ", <" + std::string(self) + ">; rel=\"self\"";
    return out;
}

std::string url_host(std::string_view url) {
    const std::size_t scheme = url.find("://");
    std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
    rest = rest.substr(0, rest.find_first_of("/?#"));
    if (const std::size_t at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
    if (rest.starts_with('[')) return std::string(rest.substr(0, rest.find(']') + 1));
    return std::string(rest.substr(0, rest.find(':')));
}

std::chrono::milliseconds hub_retry_delay(const HubRetry& retry, int attempt) {
    std::chrono::milliseconds delay = retry.first_delay;
    for (int i = 1; i < attempt && delay < retry.max_delay; ++i) delay *= 2;
    return std::min(delay, retry.max_delay);
}

struct HubPinger::State : std::enable_shared_from_this<HubPinger::State> {
    struct Ping {
        std::string output;
        std::string hub;
        std::string topic;
        int attempt = 0;          // attempts made so far
        std::uint64_t round = 0;  // bumped when a newer change replaces a waiting retry
        bool on_wire = false;
        bool again = false;  // a change arrived while on the wire
        std::unique_ptr<boost::asio::steady_timer> timer;
    };

    State(boost::asio::io_context& io_context, HubPost post_fn, HubRetry retry_policy)
        : io(io_context), post(std::move(post_fn)), retry(retry_policy) {}

    void send(const std::string& key) {
        Ping& p = pings.at(key);
        p.on_wire = true;
        ++p.attempt;
        post(p.hub, websub_ping_form(p.topic), [weak = weak_from_this(), key](HubReply reply) {
            if (const auto self = weak.lock()) self->on_reply(key, std::move(reply));
        });
    }

    void on_reply(const std::string& key, HubReply reply) {
        if (stopped) return;
        const auto it = pings.find(key);
        if (it == pings.end()) return;
        Ping& p = it->second;
        p.on_wire = false;
        if (reply.cancelled) {
            pings.erase(it);
            return;
        }
        if (p.again) {  // a newer change: its own ping, from the first attempt
            p.again = false;
            p.attempt = 0;
            return send(key);
        }
        if (reply.ok) {
            publish_logger()->info("output {}: websub hub {} notified of {}", p.output, url_host(p.hub), p.topic);
            pings.erase(it);
            return;
        }
        if (p.attempt >= retry.max_attempts) {
            publish_logger()->warn("output {}: websub ping to hub {} failed ({}), attempt {} of {}: giving up",
                                   p.output, url_host(p.hub), reply.cause, p.attempt, retry.max_attempts);
            pings.erase(it);
            return;
        }
        const std::chrono::milliseconds delay = hub_retry_delay(retry, p.attempt);
        publish_logger()->warn("output {}: websub ping to hub {} failed ({}), attempt {} of {}: retrying in {} ms",
                               p.output, url_host(p.hub), reply.cause, p.attempt, retry.max_attempts, delay.count());
        if (!p.timer) p.timer = std::make_unique<boost::asio::steady_timer>(io);
        p.timer->expires_after(delay);
        p.timer->async_wait([weak = weak_from_this(), key, round = p.round](const boost::system::error_code& ec) {
            const auto self = weak.lock();
            if (ec || !self || self->stopped) return;
            const auto found = self->pings.find(key);
            if (found == self->pings.end() || found->second.round != round || found->second.on_wire) return;
            self->send(key);
        });
    }

    boost::asio::io_context& io;
    HubPost post;
    HubRetry retry;
    bool stopped = false;
    std::map<std::string, Ping, std::less<>> pings;  // key: hub '\n' topic
};

HubPinger::HubPinger(boost::asio::io_context& io, HubPost post, HubRetry retry)
    : state_(std::make_shared<State>(io, std::move(post), retry)) {}

HubPinger::~HubPinger() { stop(); }

void HubPinger::ping(std::string output, std::string hub, std::string topic) {
    State& s = *state_;
    if (s.stopped || hub.empty() || topic.empty()) return;
    std::string key = hub + '\n' + topic;
    if (const auto it = s.pings.find(key); it != s.pings.end()) {
        State::Ping& p = it->second;
        if (p.on_wire) {
            p.again = true;
            return;
        }
        ++p.round;  // the waiting retry is replaced by this ping
        if (p.timer) p.timer->cancel();
        p.attempt = 0;
        p.output = std::move(output);
        return s.send(key);
    }
    s.pings.emplace(key, State::Ping{.output = std::move(output),
                                     .hub = std::move(hub),
                                     .topic = std::move(topic),
                                     .attempt = 0,
                                     .round = 0,
                                     .on_wire = false,
                                     .again = false,
                                     .timer = nullptr});
    s.send(key);
}

void HubPinger::stop() {
    State& s = *state_;
    s.stopped = true;
    for (auto& [key, p] : s.pings)
        if (p.timer) p.timer->cancel();
    s.pings.clear();
}

std::size_t HubPinger::pending() const { return state_->pings.size(); }

}  // namespace tributary::publish
