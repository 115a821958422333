#include "fetch/fetcher.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <deque>
#include <limits>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/text.hpp"
#include "fetch/address_policy.hpp"
#include "fetch/curl_handles.hpp"
#include "fetch/curl_multi_loop.hpp"
#include "fetch/proxy_policy.hpp"
#include "fetch/redirect_policy.hpp"

namespace tributary::fetch {
namespace {

constexpr const char* kAccept =
    "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, "
    "*/*;q=0.8";

std::shared_ptr<spdlog::logger> logger() {
    if (auto named = spdlog::get("fetch")) return named;
    return spdlog::default_logger();
}

// What a callback decided when it stopped the transfer.
struct Abort {
    FetchOutcome outcome;
    std::string cause;
};

// One fetch, queued or in flight. Members die bottom-up: the easy handle before the header
// list it points at.
struct Transfer {
    CurlSlist headers;
    CurlEasy easy;
    FetchRequest request;
    std::function<void(FetchResult)> on_done;
    FetchResult result;
    char error[CURL_ERROR_SIZE] = {};
    std::size_t max_body = 0;
    std::size_t header_bytes = 0;
    std::vector<long> statuses;     // every final (non-1xx) response, redirect hops first
    std::set<std::string> visited;  // URLs requested so far, for loop detection
    std::string retry_after;        // raw header of the last response
    std::optional<Abort> abort;
    std::string blocked_ip;
    std::chrono::steady_clock::time_point started{};
    std::size_t max_header_bytes = 0;
    std::string host;       // politeness key: lower-case host of the requested URL, no port
    std::string shown_url;  // the URL without user info, for errors and logs
    bool proxied = false;   // every connection goes to the proxy (see proxy_policy.hpp)
    std::size_t* sockets_opened = nullptr;
};

// A header field name: an RFC 9110 token.
bool is_token(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    });
}

std::string strip_ctl(std::string_view s) {  // never let a stored validator inject a header line
    std::string out;
    for (const char c : s)
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t') out += c;
    return std::string(trim(out));
}

// Checks a redirect target before curl follows it; returns why it is refused, or "".
std::string refuse_redirect(Transfer& t, std::string_view location) {
    char* current = nullptr;
    curl_easy_getinfo(t.easy.get(), CURLINFO_EFFECTIVE_URL, &current);
    RedirectTarget target = check_redirect(current != nullptr ? current : "", location);
    if (!target.refusal.empty()) return std::move(target.refusal);
    if (t.proxied && !t.request.allow_private) {  // the socket guard sees only the proxy: judge the target
        if (const auto parts = url_parts(target.url); parts && forbidden_target_host(parts->host)) {
            t.blocked_ip = parts->host;
            t.abort = Abort{FetchOutcome::blocked, {}};
            return "blocked";
        }
    }
    if (!t.visited.insert(target.url).second) return fmt::format("redirect loop at {}", target.url);
    return {};
}

long parse_status_line(std::string_view line) {  // "HTTP/1.1 301 Moved", "HTTP/2 200"
    const auto space = line.find(' ');
    if (space == std::string_view::npos) return 0;
    long code = 0;
    const auto digits = line.substr(space + 1, 3);
    std::from_chars(digits.data(), digits.data() + digits.size(), code);
    return code;
}

void reset_response_fields(Transfer& t) {
    t.result.etag.clear();
    t.result.last_modified.clear();
    t.result.cache_control.clear();
    t.result.expires.clear();
    t.result.content_type.clear();
    t.result.body.clear();
    t.retry_after.clear();
}

std::size_t on_header(char* buffer, std::size_t size, std::size_t nitems, void* userdata) noexcept {
    auto& t = *static_cast<Transfer*>(userdata);
    const std::size_t n = size * nitems;
    try {
        t.header_bytes += n;
        if (t.header_bytes > t.max_header_bytes) {
            t.abort =
                Abort{FetchOutcome::too_large, fmt::format("response headers exceed {} bytes", t.max_header_bytes)};
            return 0;
        }
        const std::string_view line = trim(std::string_view(buffer, n));
        if (line.starts_with("HTTP/")) {
            const long status = parse_status_line(line);
            if (status >= 200) {  // 1xx (100 Continue, 103 Early Hints) are not responses of their own
                t.statuses.push_back(status);
                reset_response_fields(t);
            }
            return n;
        }
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) return n;
        const std::string_view name = trim(line.substr(0, colon));
        const std::string_view value = trim(line.substr(colon + 1));
        const long status = t.statuses.empty() ? 0 : t.statuses.back();
        if (iequals_ascii(name, "location") && status >= 300 && status < 400 && status != 304) {
            if (std::string why = refuse_redirect(t, value); !why.empty()) {
                if (!t.abort) t.abort = Abort{FetchOutcome::redirect_error, std::move(why)};
                return 0;
            }
        } else if (iequals_ascii(name, "etag")) {
            t.result.etag = value;
        } else if (iequals_ascii(name, "last-modified")) {
            t.result.last_modified = value;
        } else if (iequals_ascii(name, "cache-control")) {
            if (!t.result.cache_control.empty()) t.result.cache_control += ", ";
            t.result.cache_control += value;
        } else if (iequals_ascii(name, "expires")) {
            t.result.expires = value;
        } else if (iequals_ascii(name, "content-type")) {
            t.result.content_type = value;
        } else if (iequals_ascii(name, "retry-after")) {
            t.retry_after = value;
        }
        return n;
    } catch (...) {  // nothing may be thrown through curl
        t.abort = Abort{FetchOutcome::network_error, "out of memory while reading headers"};
        return 0;
    }
}

std::size_t on_body(char* data, std::size_t size, std::size_t nmemb, void* userdata) noexcept {
    auto& t = *static_cast<Transfer*>(userdata);
    const std::size_t n = size * nmemb;
    if (n > t.max_body - std::min(t.max_body, t.result.body.size())) {
        t.abort = Abort{FetchOutcome::too_large,
                        fmt::format("body exceeds the limit of {} bytes (after decompression)", t.max_body)};
        return 0;  // a short count aborts the transfer with CURLE_WRITE_ERROR
    }
    try {
        t.result.body.append(data, n);
        return n;
    } catch (...) {
        t.abort = Abort{FetchOutcome::network_error, "out of memory while reading the body"};
        return 0;
    }
}

curl_socket_t on_open_socket(void* clientp, curlsocktype, curl_sockaddr* address) noexcept {
    auto& t = *static_cast<Transfer*>(clientp);
    const auto* addr = &address->addr;
    if (!t.request.allow_private && !t.proxied && is_forbidden_address(addr, address->addrlen)) {
        try {
            t.blocked_ip = address_to_string(addr, address->addrlen);
        } catch (...) {
            t.blocked_ip = "?";
        }
        return CURL_SOCKET_BAD;  // curl tries the next address, then fails with CURLE_COULDNT_CONNECT
    }
    const curl_socket_t s = ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
    if (s != CURL_SOCKET_BAD && t.sockets_opened != nullptr) ++*t.sockets_opened;
    return s;
}

// Before each request is sent, on a new or a reused connection: a connection that an
// allow_private feed opened must not carry a request of a feed without it.
int on_prereq(void* clientp, char* primary_ip, char*, int, int) noexcept {
    auto& t = *static_cast<Transfer*>(clientp);
    if (t.request.allow_private || t.proxied || !is_forbidden_address(primary_ip)) return CURL_PREREQFUNC_OK;
    try {
        t.blocked_ip = primary_ip != nullptr ? primary_ip : "?";
    } catch (...) {
    }
    t.abort = Abort{FetchOutcome::blocked, {}};
    return CURL_PREREQFUNC_ABORT;
}

std::optional<Seconds> parse_retry_after(std::string_view raw, std::time_t now) {
    const std::string_view v = trim(raw);
    if (v.empty()) return std::nullopt;
    if (std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        std::int64_t secs = 0;
        const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), secs);
        if (ec == std::errc::result_out_of_range) return Seconds{std::numeric_limits<std::int32_t>::max()};
        if (ec != std::errc{}) return std::nullopt;
        return Seconds{secs};
    }
    const std::string text(v);
    const std::time_t when = curl_getdate(text.c_str(), nullptr);
    if (when == -1) return std::nullopt;
    return Seconds{std::max<std::int64_t>(0, static_cast<std::int64_t>(when) - static_cast<std::int64_t>(now))};
}

FetchOutcome outcome_for(CURLcode rc) {
    switch (rc) {
        case CURLE_OPERATION_TIMEDOUT: return FetchOutcome::timed_out;
        case CURLE_FILESIZE_EXCEEDED: return FetchOutcome::too_large;
        case CURLE_TOO_MANY_REDIRECTS: return FetchOutcome::redirect_error;
        default: return FetchOutcome::network_error;
    }
}

}  // namespace

std::string default_user_agent() {
    const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
    return fmt::format("Tributary/{} (+feed aggregator; libcurl/{})", TRIBUTARY_VERSION,
                       info != nullptr && info->version != nullptr ? info->version : "?");
}

struct Fetcher::Impl {
    using SteadyTime = std::chrono::steady_clock::time_point;

    // Politeness bookkeeping for one host.
    struct Host {
        int active = 0;                  // transfers started and not finished
        std::optional<SteadyTime> last;  // when the last one started
    };

    Impl(boost::asio::io_context& io, FetchSettings s)
        : io(io),
          settings(std::move(s)),
          user_agent(settings.user_agent.empty() ? default_user_agent() : settings.user_agent),
          loop(io, [this](CURL* easy, CURLcode rc) { on_curl_done(easy, rc); }),
          spacing_timer(io) {
        CURLM* m = loop.multi();
        curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, static_cast<long>(max_concurrent()));
        // Backstop for redirects to other hosts; the Fetcher's own queue enforces max_per_host per requested host.
        curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(max_per_host()));
        curl_multi_setopt(m, CURLMOPT_PIPELINING, static_cast<long>(CURLPIPE_MULTIPLEX));  // HTTP/2 streams share
        // Idle connections kept for the next poll (the connection cache lives as long as the multi handle).
        curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, static_cast<long>(std::max<std::size_t>(8, 2 * max_concurrent())));
    }

    ~Impl() {
        alive.reset();
        spacing_timer.cancel();
        cancel_all();
    }

    std::size_t max_concurrent() const { return static_cast<std::size_t>(std::max(1, settings.max_concurrent)); }
    int max_per_host() const { return std::max(1, settings.max_per_host); }
    std::chrono::milliseconds spacing() const {
        return std::max(std::chrono::milliseconds{0}, std::chrono::milliseconds(settings.min_host_spacing));
    }

    boost::asio::io_context& io;
    FetchSettings settings;
    std::string user_agent;
    CurlMultiLoop loop;  // declared before the transfers: outlives them
    std::deque<std::unique_ptr<Transfer>> queue;
    std::unordered_map<CURL*, std::unique_ptr<Transfer>> active;
    std::unordered_map<std::string, Host> hosts;
    boost::asio::steady_timer spacing_timer;
    std::optional<SteadyTime> spacing_wake;  // when spacing_timer fires, if armed
    std::size_t sockets_opened = 0;
    std::shared_ptr<int> alive = std::make_shared<int>(0);  // for handlers queued when we die

    void fetch(FetchRequest request, std::function<void(FetchResult)> on_done) {
        auto t = std::make_unique<Transfer>();
        t->result.feed_name = request.feed_name;
        t->result.requested_url = request.url;
        t->shown_url = redact_url(request.url);
        if (auto parts = url_parts(request.url)) t->host = std::move(parts->host);
        t->request = std::move(request);
        t->on_done = std::move(on_done);
        t->max_body = settings.max_body_bytes;
        t->max_header_bytes = settings.max_header_bytes;
        t->sockets_opened = &sockets_opened;
        queue.push_back(std::move(t));
        pump();
    }

    // Starts what may start, in FIFO order but skipping (not blocking on) transfers whose host
    // is at its max_per_host or inside its min_host_spacing; arms a timer for the earliest
    // transfer held back by spacing alone.
    void pump() {
        const SteadyTime now = std::chrono::steady_clock::now();
        std::optional<SteadyTime> wake;
        for (auto it = queue.begin(); it != queue.end() && active.size() < max_concurrent();) {
            Transfer& t = **it;
            Host& h = hosts[t.host];
            if (!t.host.empty() && h.active >= max_per_host()) {
                ++it;
                continue;
            }
            if (!t.host.empty() && h.last && spacing().count() > 0 && now < *h.last + spacing()) {
                const SteadyTime at = *h.last + spacing();
                if (!wake || at < *wake) wake = at;
                ++it;
                continue;
            }
            auto owned = std::move(*it);
            it = queue.erase(it);
            ++h.active;
            h.last = now;
            start(std::move(owned));
        }
        if (wake && (!spacing_wake || *wake < *spacing_wake || *spacing_wake <= now)) arm_spacing(*wake);
        if (hosts.size() > 1024) forget_idle_hosts(now);
    }

    void arm_spacing(SteadyTime at) {
        spacing_wake = at;
        spacing_timer.expires_at(at);
        spacing_timer.async_wait([this, weak = std::weak_ptr<int>(alive)](boost::system::error_code ec) {
            if (ec || weak.expired()) return;
            spacing_wake.reset();
            pump();
        });
    }

    void forget_idle_hosts(SteadyTime now) {
        std::erase_if(hosts, [&](const auto& entry) {
            const Host& h = entry.second;
            return h.active == 0 && (!h.last || *h.last + spacing() <= now);
        });
    }

    void host_done(const Transfer& t) {
        if (auto it = hosts.find(t.host); it != hosts.end() && it->second.active > 0) --it->second.active;
    }

    void start(std::unique_ptr<Transfer> t) {
        t->started = std::chrono::steady_clock::now();
        if (std::string why = configure(*t); !why.empty()) {
            host_done(*t);
            return fail(*t, t->abort ? t->abort->outcome : FetchOutcome::network_error, why);
        }
        if (const CURLMcode mc = loop.add(t->easy.get()); mc != CURLM_OK) {
            host_done(*t);
            return fail(*t, FetchOutcome::network_error, curl_multi_strerror(mc));
        }
        CURL* key = t->easy.get();
        active.emplace(key, std::move(t));
    }

    // Sets up the easy handle; returns why it could not be, or "".
    std::string configure(Transfer& t) {
        t.easy.reset(curl_easy_init());
        if (!t.easy) return "curl_easy_init failed";
        CURL* e = t.easy.get();

        const ProxyChoice proxy = choose_proxy(t.request.url, t.request.proxy);
        t.proxied = !proxy.proxy.empty();
        if (t.proxied && !t.request.allow_private) {  // the socket guard will only see the proxy
            if (const auto parts = url_parts(t.request.url); parts && forbidden_target_host(parts->host)) {
                t.blocked_ip = parts->host;
                t.abort = Abort{FetchOutcome::blocked, {}};
                return blocked_cause(t);
            }
        }

        auto append = [&t](const std::string& line) {
            curl_slist* grown = curl_slist_append(t.headers.get(), line.c_str());
            if (grown == nullptr) return false;
            (void)t.headers.release();
            t.headers.reset(grown);
            return true;
        };
        bool ok = true;
        bool own_accept = false;
        for (const auto& [raw_name, raw_value] : t.request.headers) {  // the feed's own headers first
            const std::string name(trim(raw_name));
            if (!is_token(name)) return fmt::format("invalid request header name '{}'", strip_ctl(raw_name));
            const std::string value = strip_ctl(raw_value);
            own_accept = own_accept || iequals_ascii(name, "accept");
            // "Name;" is curl's way to send a header with an empty value ("Name:" would remove it).
            ok = ok && append(value.empty() ? name + ";" : name + ": " + value);
        }
        if (ok && !own_accept) ok = append(std::string("Accept: ") + kAccept);
        if (ok && !t.request.post_form.empty()) ok = append("Content-Type: application/x-www-form-urlencoded");
        if (const std::string etag = strip_ctl(t.request.etag); ok && !etag.empty()) {
            ok = append("If-None-Match: " + etag);
        }
        if (const std::string lm = strip_ctl(t.request.last_modified); ok && !lm.empty()) {
            ok = append("If-Modified-Since: " + lm);
        }
        if (!ok) return "curl_slist_append failed";

        const auto ms = [](Seconds s) { return static_cast<long>(std::chrono::milliseconds(s).count()); };
        CURLcode rc = CURLE_OK;
        auto set = [&](CURLoption opt, auto value) {
            if (rc == CURLE_OK) rc = curl_easy_setopt(e, opt, value);
        };
        set(CURLOPT_URL, t.request.url.c_str());
        set(CURLOPT_PRIVATE, static_cast<void*>(&t));
        set(CURLOPT_ERRORBUFFER, t.error);
        set(CURLOPT_NOSIGNAL, 1L);
        set(CURLOPT_PROTOCOLS_STR, "http,https");
        set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        set(CURLOPT_FOLLOWLOCATION, 1L);
        set(CURLOPT_MAXREDIRS, std::max(0L, settings.max_redirects));
        set(CURLOPT_CONNECTTIMEOUT_MS, ms(settings.connect_timeout));
        set(CURLOPT_TIMEOUT_MS, ms(settings.total_timeout));
        if (settings.low_speed_bytes > 0 && settings.low_speed_time > Seconds{0}) {
            set(CURLOPT_LOW_SPEED_LIMIT, settings.low_speed_bytes);
            set(CURLOPT_LOW_SPEED_TIME, static_cast<long>(settings.low_speed_time.count()));
        }
        set(CURLOPT_ACCEPT_ENCODING, "");  // every encoding this libcurl can decode
        set(CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(settings.max_body_bytes));
        set(CURLOPT_USERAGENT, t.request.user_agent.empty() ? user_agent.c_str() : t.request.user_agent.c_str());
        set(CURLOPT_HTTPHEADER, t.headers.get());
        if (!t.request.post_form.empty()) {  // a form POST (WebSub ping): curl copies the bytes
            set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t.request.post_form.size()));
            set(CURLOPT_COPYPOSTFIELDS, t.request.post_form.c_str());
        }
        set(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));  // h2 over TLS when offered (ALPN)
        if (const auto parts = url_parts(t.request.url); parts && parts->scheme == "https") {
            set(CURLOPT_PIPEWAIT, 1L);  // rather a stream on an HTTP/2 connection being set up than one more
        }
        // Proxy: chosen once (see proxy_policy.hpp); "" disables curl's own reading of the environment,
        // and an empty no-proxy list keeps every hop of a proxied transfer on the proxy.
        set(CURLOPT_PROXY, proxy.proxy.c_str());
        set(CURLOPT_NOPROXY, "");
        set(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);  // a proxy's CONNECT reply is not a response of ours
        if (!t.request.username.empty()) {
            // Basic auth, sent to the URL's host only (curl drops it on a redirect to another host).
            set(CURLOPT_HTTPAUTH, static_cast<unsigned long>(CURLAUTH_BASIC));
            set(CURLOPT_USERNAME, t.request.username.c_str());
            set(CURLOPT_PASSWORD, t.request.password.c_str());
        }
        if (!t.request.ca_file.empty()) set(CURLOPT_CAINFO, t.request.ca_file.c_str());
        if (!t.request.verify_tls) {
            set(CURLOPT_SSL_VERIFYPEER, 0L);
            set(CURLOPT_SSL_VERIFYHOST, 0L);
        }
        set(CURLOPT_HEADERFUNCTION, &on_header);
        set(CURLOPT_HEADERDATA, static_cast<void*>(&t));
        set(CURLOPT_WRITEFUNCTION, &on_body);
        set(CURLOPT_WRITEDATA, static_cast<void*>(&t));
        set(CURLOPT_OPENSOCKETFUNCTION, &on_open_socket);
        set(CURLOPT_OPENSOCKETDATA, static_cast<void*>(&t));
        set(CURLOPT_PREREQFUNCTION, &on_prereq);
        set(CURLOPT_PREREQDATA, static_cast<void*>(&t));
        if (rc != CURLE_OK) return t.error[0] != '\0' ? std::string(t.error) : curl_easy_strerror(rc);

        if (auto first = normalize_url(t.request.url)) t.visited.insert(std::move(*first));
        return {};
    }

    void on_curl_done(CURL* easy, CURLcode rc) {
        auto it = active.find(easy);
        if (it == active.end()) return;
        std::unique_ptr<Transfer> t = std::move(it->second);
        active.erase(it);
        host_done(*t);
        finish(*t, rc);
        pump();
    }

    void finish(Transfer& t, CURLcode rc) {
        CURL* e = t.easy.get();
        FetchResult& r = t.result;
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r.http_status);
        char* effective = nullptr;
        if (curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK && effective != nullptr) {
            r.final_url = effective;
        }
        long redirects = 0;
        curl_easy_getinfo(e, CURLINFO_REDIRECT_COUNT, &redirects);
        const auto hops = static_cast<std::size_t>(std::max(0L, redirects));
        r.permanent_redirect = hops > 0 && hops <= t.statuses.size() &&
                               std::all_of(t.statuses.begin(), t.statuses.begin() + static_cast<long>(hops),
                                           [](long s) { return s == 301 || s == 308; });
        r.retry_after = parse_retry_after(t.retry_after, std::time(nullptr));

        if (t.abort && t.abort->outcome == FetchOutcome::blocked) {
            return fail(t, FetchOutcome::blocked, blocked_cause(t));
        }
        if (t.abort) return fail(t, t.abort->outcome, t.abort->cause);
        if (rc == CURLE_OK) {
            if (r.http_status >= 200 && r.http_status < 300) return complete(t, FetchOutcome::fetched, {});
            if (r.http_status == 304) return fail(t, FetchOutcome::not_modified, {});
            return fail(t, FetchOutcome::http_error, fmt::format("HTTP {}", r.http_status));
        }
        if (rc == CURLE_COULDNT_CONNECT && !t.blocked_ip.empty()) {
            return fail(t, FetchOutcome::blocked, blocked_cause(t));
        }
        if (rc == CURLE_UNSUPPORTED_PROTOCOL && hops > 0) {
            return fail(t, FetchOutcome::redirect_error, curl_cause(t, rc));
        }
        if (rc == CURLE_FILESIZE_EXCEEDED) {
            return fail(t, FetchOutcome::too_large,
                        fmt::format("body exceeds the limit of {} bytes (Content-Length)", t.max_body));
        }
        fail(t, outcome_for(rc), curl_cause(t, rc));
    }

    static std::string blocked_cause(const Transfer& t) {
        return fmt::format("refused to connect to private address {} (allow_private = no)", t.blocked_ip);
    }

    static std::string curl_cause(const Transfer& t, CURLcode rc) {
        return t.error[0] != '\0' ? std::string(t.error) : std::string(curl_easy_strerror(rc));
    }

    // A result without a body: a failure (cause != "") or a 304.
    void fail(Transfer& t, FetchOutcome outcome, std::string_view cause) {
        t.result.body.clear();
        t.result.body.shrink_to_fit();
        complete(t, outcome, cause);
    }

    void complete(Transfer& t, FetchOutcome outcome, std::string_view cause) {
        FetchResult& r = t.result;
        r.outcome = outcome;
        // Causes quote what servers sent (a Location, a reason): escaped here, once, for every reader.
        if (!cause.empty()) r.error = printable(fmt::format("fetch: {}: {}", t.shown_url, cause));
        if (t.started != std::chrono::steady_clock::time_point{}) {
            r.elapsed =
                std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t.started);
        }
        // Never the password, the headers or the proxy: they may carry credentials.
        logger()->debug("feed={} outcome={} status={} bytes={} elapsed={}ms url={}{}{}", r.feed_name,
                        to_string(r.outcome), r.http_status, r.body.size(), r.elapsed.count(), t.shown_url,
                        r.error.empty() ? "" : " error=", r.error);
        boost::asio::post(io, [cb = std::move(t.on_done), result = std::move(r)]() mutable {
            if (cb) cb(std::move(result));
        });
    }

    void cancel_all() {
        auto running = std::move(active);
        active.clear();
        auto waiting = std::move(queue);
        queue.clear();
        for (auto& [easy, t] : running) {
            loop.remove(easy);
            host_done(*t);
            fail(*t, FetchOutcome::cancelled, "cancelled");
        }
        for (auto& t : waiting) fail(*t, FetchOutcome::cancelled, "cancelled");
    }
};

Fetcher::Fetcher(boost::asio::io_context& io, FetchSettings settings)
    : impl_(std::make_unique<Impl>(io, std::move(settings))) {}

Fetcher::~Fetcher() = default;

void Fetcher::fetch(FetchRequest request, std::function<void(FetchResult)> on_done) {
    impl_->fetch(std::move(request), std::move(on_done));
}

void Fetcher::cancel_all() { impl_->cancel_all(); }

std::size_t Fetcher::in_flight() const { return impl_->active.size() + impl_->queue.size(); }

std::size_t Fetcher::running() const { return impl_->active.size(); }

std::size_t Fetcher::connections_opened() const { return impl_->sockets_opened; }

}  // namespace tributary::fetch
