// clang-format off
#include <utility>  // before any Asio header (GCC 12 coroutine bug)
// clang-format on

#include "publish/http_server.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <zlib.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/span.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/span_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/system/errc.hpp>
#include <climits>
#include <exception>
#include <functional>
#include <iterator>
#include <list>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/text.hpp"
#include "publish/http_rules.hpp"

#ifndef TRIBUTARY_VERSION
#define TRIBUTARY_VERSION "unknown"
#endif

namespace tributary::publish {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view kServer = "Tributary/" TRIBUTARY_VERSION;
constexpr std::string_view kAllow = "GET, HEAD";
constexpr std::size_t kMaxLingerBytes = 64 * 1024;  // discarded after an error reply before closing
constexpr std::chrono::seconds kLingerTimeout{2};
constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::chrono::milliseconds kAcceptBackoff{100};

using Response = http::response<http::span_body<const char>>;
using Request = http::request<http::empty_body>;

std::string gzip(std::string_view in) {
    if (in.size() > UINT_MAX) return {};
    z_stream zs{};
    if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
    std::string out(deflateBound(&zs, static_cast<uLong>(in.size())), '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&zs, Z_FINISH);
    const uLong produced = zs.total_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) return {};
    out.resize(produced);
    return out;
}

std::shared_ptr<spdlog::logger> http_logger() {
    if (auto named = spdlog::get("http")) return named;
    return spdlog::default_logger();
}

// All values of a (possibly repeated) list-valued header field, comma-joined.
std::string joined(const Request& req, http::field field) {
    std::string out;
    for (auto [it, end] = req.equal_range(field); it != end; ++it) {
        if (!out.empty()) out += ", ";
        out += it->value();
    }
    return out;
}

beast::span<const char> span_of(std::string_view s) { return {s.data(), s.size()}; }

void set_text(Response& res, http::status status, std::string_view text) {
    res.result(status);
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.set(http::field::cache_control, "no-store");
    res.body() = span_of(text);
    res.content_length(text.size());
}

bool is_parse_error(const beast::error_code& ec) {
    return ec.category() == http::make_error_code(http::error::bad_target).category() &&
           ec != http::error::end_of_stream && ec != http::error::partial_message;
}

bool is_routine_disconnect(const beast::error_code& ec) {
    return ec == http::error::end_of_stream || ec == http::error::partial_message || ec == beast::error::timeout ||
           ec == asio::error::eof || ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
           ec == asio::error::broken_pipe || ec == asio::error::bad_descriptor;
}

bool is_out_of_descriptors(const beast::error_code& ec) {
    return ec == asio::error::no_descriptors || ec == boost::system::errc::too_many_files_open_in_system;
}

bool is_feed_type(std::string_view type) noexcept {
    return type.starts_with("application/rss+xml") || type.starts_with("application/atom+xml");
}

std::string_view for_browser(std::string_view type, std::string_view accept) noexcept {
    if (!is_feed_type(type) || accept.find("text/html") == std::string_view::npos) return type;
    return "application/xml; charset=utf-8";
}

// The Date header changes once a second and every response carries one: formatted once per second
// and thread, not per response.
const std::string& http_date_now() {
    thread_local SysTime formatted_at{};
    thread_local std::string text;
    const auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    if (text.empty() || now != formatted_at) {
        text = format_rfc1123(now);
        formatted_at = now;
    }
    return text;
}

}  // namespace

std::shared_ptr<const Snapshot> make_snapshot(std::string body, SysTime last_modified, std::string content_type,
                                              std::string cache_control, std::string link) {
    auto snapshot = std::make_shared<Snapshot>();
    snapshot->gzip_body = gzip(body);
    const std::string hash = hex64(fnv1a64(body));
    snapshot->etag = "\"" + hash + "\"";
    snapshot->gzip_etag = "\"" + hash + "-gzip\"";
    snapshot->body = std::move(body);
    snapshot->last_modified = last_modified;
    snapshot->last_modified_text = format_rfc1123(last_modified);
    snapshot->content_type = std::move(content_type);
    snapshot->cache_control = std::move(cache_control);
    snapshot->link = std::move(link);
    return snapshot;
}

// ------------------------------------------------------------------ Impl ---

struct HttpServer::Impl : std::enable_shared_from_this<Impl> {
    Impl(asio::io_context& io_, std::string host_, std::uint16_t port_, HttpLimits limits_)
        : io(io_),
          host(std::move(host_)),
          requested_port(port_),
          limits(limits_),
          acceptor(io_),
          accept_backoff(io_),
          log(http_logger()) {}

    // What one request gets: the response and the snapshot its body points into.
    struct Reply {
        Response res;
        std::shared_ptr<const Snapshot> keep_alive;
    };

    // A session sits in `waiting` while it has no request in progress (fresh,
    // idle keep-alive, header still arriving, or draining before close), in
    // `busy` while it answers one, and in `evicted` from being closed to make
    // room until its coroutine ends. Sessions splice their own node between the
    // lists (iterators stay valid) and join `waiting` at the back when they
    // start waiting, so its front is always the longest-waiting: the victim.
    enum class Phase { Waiting, Busy, Evicted };
    struct Connection {
        beast::tcp_stream* stream;  // owned by the session frame
        std::uint64_t id;
        Phase phase = Phase::Waiting;
    };
    using ConnectionList = std::list<Connection>;
    ConnectionList& list_of(Phase phase) {
        switch (phase) {
            case Phase::Waiting: return waiting;
            case Phase::Busy: return busy;
            case Phase::Evicted: return evicted;
        }
        return evicted;
    }
    void move_to(ConnectionList::iterator conn, Phase to, bool to_front = false) {
        ConnectionList& target = list_of(to);
        target.splice(to_front ? target.begin() : target.end(), list_of(conn->phase), conn);
        conn->phase = to;
    }
    std::size_t open_connections() const { return waiting.size() + busy.size(); }
    bool client_pending() {
        pollfd listener{acceptor.native_handle(), POLLIN, 0};
        return ::poll(&listener, 1, 0) > 0 && (listener.revents & POLLIN) != 0;
    }
    bool evict_longest_waiting();

    // Why new clients cannot simply be admitted; each is warned about once per episode.
    enum Saturation : unsigned { AtCap = 1, OutOfDescriptors = 2, AllBusy = 4 };
    void note_saturation(Saturation why, std::string_view reason = {});
    void note_admitted_freely();

    Result<void> start();
    void stop();
    Reply respond(const Request& req) const;
    // An on_demand() page older than its max_age: has it rendered and waits (bounded) for it.
    asio::awaitable<void> refresh_if_stale(std::string_view path);
    asio::awaitable<void> accept_loop(std::shared_ptr<Impl> self);
    asio::awaitable<void> session(std::shared_ptr<Impl> self, tcp::socket socket);
    asio::awaitable<void> linger_close(beast::tcp_stream& stream, beast::flat_buffer& buffer);
    auto on_coroutine_exit(std::string what) const {
        return [log = log, what = std::move(what)](const std::exception_ptr& e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                log->error("publish: http {} failed: {}", what, ex.what());
            } catch (...) {
                log->error("publish: http {} failed: unknown exception", what);
            }
        };
    }

    asio::io_context& io;
    std::string host;
    std::uint16_t requested_port;
    HttpLimits limits;
    tcp::acceptor acceptor;
    asio::steady_timer accept_backoff;  // pause after a failed accept that eviction cannot cure, instead of spinning
    std::shared_ptr<spdlog::logger> log;
    std::uint16_t bound_port = 0;
    bool started = false;
    bool stopping = false;
    unsigned saturation_warned = 0;  // Saturation bits warned about in the current episode
    std::uint64_t evictions = 0;
    std::uint64_t evictions_in_episode = 0;
    // Transparent hashing: a request's path is looked up as the string_view it is, without a copy.
    struct PathHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view path) const { return std::hash<std::string_view>{}(path); }
    };
    std::unordered_map<std::string, std::shared_ptr<const Snapshot>, PathHash, std::equal_to<>> snapshots;
    struct OnDemandPage {
        std::chrono::milliseconds max_age{0};
        std::function<void()> render;
        std::optional<std::chrono::steady_clock::time_point> published_at;  // of its last snapshot
        std::optional<std::chrono::steady_clock::time_point> asked_at;      // of the render awaited
        std::uint64_t publications = 0;
        std::vector<asio::steady_timer*> waiters;  // requests waiting for the render, woken by publish()
    };
    // Node-based: a waiting session keeps a pointer to its page while others are declared.
    std::unordered_map<std::string, OnDemandPage, PathHash, std::equal_to<>> on_demand;
    ConnectionList waiting;
    ConnectionList busy;
    ConnectionList evicted;
    std::uint64_t next_connection_id = 0;
};

Result<void> HttpServer::Impl::start() {
    const auto failure = [this](const std::string& reason) {
        return fail(ErrorKind::Io,
                    "publish: cannot listen on " + host + ":" + std::to_string(requested_port) + ": " + reason);
    };
    if (started) return failure("already started");
    if (stopping) return failure("server stopped");

    beast::error_code ec;
    tcp::endpoint endpoint;
    if (host.empty()) {
        endpoint = tcp::endpoint(tcp::v4(), requested_port);
    } else if (const auto address = asio::ip::make_address(host, ec); !ec) {
        endpoint = tcp::endpoint(address, requested_port);
    } else {
        tcp::resolver resolver(io);
        const auto results = resolver.resolve(host, std::to_string(requested_port),
                                              tcp::resolver::passive | tcp::resolver::numeric_service, ec);
        if (ec) return failure(ec.message());
        if (results.empty()) return failure("host not found");
        endpoint = results.begin()->endpoint();
    }

    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    tcp::endpoint local;
    if (!ec) local = acceptor.local_endpoint(ec);
    if (ec) {
        beast::error_code ignored;
        acceptor.close(ignored);
        return failure(ec.message());
    }
    bound_port = local.port();
    started = true;
    auto self = shared_from_this();
    asio::co_spawn(io, accept_loop(self), on_coroutine_exit("accept loop"));
    return {};
}

void HttpServer::Impl::stop() {
    stopping = true;
    beast::error_code ignored;
    acceptor.close(ignored);
    accept_backoff.cancel();
    std::vector<beast::tcp_stream*> open;
    open.reserve(open_connections());
    for (const ConnectionList* list : {&waiting, &busy})
        for (const Connection& conn : *list) open.push_back(conn.stream);
    // Requests waiting for a page go on, and find the server stopping.
    for (auto& [path, page] : on_demand)
        for (asio::steady_timer* waiter : page.waiters) waiter->cancel();
    // The sessions resume later (completions are posted), so the lists are not
    // modified while we walk the copy.
    for (beast::tcp_stream* stream : open) {
        stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream->close();
    }
}

HttpServer::Impl::Reply HttpServer::Impl::respond(const Request& req) const {
    Reply reply;
    Response& res = reply.res;
    res.version(req.version());
    res.set(http::field::server, kServer);
    res.set(http::field::date, http_date_now());

    const bool get_or_head = req.method() == http::verb::get || req.method() == http::verb::head;
    const std::string_view path = request_path(req.target());
    const auto found = snapshots.find(path);

    if (path != "/healthz" && found == snapshots.end()) {
        set_text(res, http::status::not_found, "not found\n");
    } else if (!get_or_head) {
        set_text(res, http::status::method_not_allowed, "method not allowed\n");
        res.set(http::field::allow, kAllow);
    } else if (path == "/healthz") {
        set_text(res, http::status::ok, "ok\n");
    } else if (!found->second) {
        set_text(res, http::status::service_unavailable, "feed not rendered yet\n");
        res.set(http::field::retry_after, "5");
    } else {
        const Snapshot& snap = *found->second;
        reply.keep_alive = found->second;
        const bool gzipped = !snap.gzip_body.empty() && accepts_gzip(joined(req, http::field::accept_encoding));
        res.set(http::field::etag, gzipped ? snap.gzip_etag : snap.etag);
        res.set(http::field::last_modified, snap.last_modified_text);
        res.set(http::field::cache_control, snap.cache_control);
        res.set(http::field::vary, is_feed_type(snap.content_type) ? "Accept-Encoding, Accept" : "Accept-Encoding");
        if (!snap.link.empty()) res.set(http::field::link, snap.link);

        // RFC 9110 13.2.2: If-None-Match decides when present; otherwise If-Modified-Since.
        // Either coding's tag names the current content: a client that changed its
        // Accept-Encoding still has it, and the 304 tells it which tag goes with what it asked.
        bool not_modified = false;
        if (req.count(http::field::if_none_match) > 0) {
            const std::string if_none_match = joined(req, http::field::if_none_match);
            not_modified =
                if_none_match_matches(if_none_match, snap.etag) || if_none_match_matches(if_none_match, snap.gzip_etag);
        } else if (req.count(http::field::if_modified_since) == 1) {
            const auto since = parse_http_date(req[http::field::if_modified_since]);
            not_modified = since && snap.last_modified <= *since;
        }
        if (not_modified) {
            res.result(http::status::not_modified);
        } else {
            const std::string_view body = gzipped ? snap.gzip_body : snap.body;
            res.result(http::status::ok);
            // A browser (it asks for text/html) is sent an RSS or Atom document as application/xml:
            // Chromium shows application/rss+xml and atom+xml as source text, without applying the
            // xml-stylesheet, so the reader's page never appears. Same bytes; feed readers ask
            // for feed types and get them.
            res.set(http::field::content_type, for_browser(snap.content_type, joined(req, http::field::accept)));
            if (gzipped) res.set(http::field::content_encoding, "gzip");
            res.body() = span_of(body);
            res.content_length(body.size());
        }
    }
    // HEAD: the same header (Content-Length included), no body.
    if (req.method() == http::verb::head) res.body() = {};
    return reply;
}

asio::awaitable<void> HttpServer::Impl::refresh_if_stale(std::string_view path) {
    const auto found = on_demand.find(path);
    if (found == on_demand.end()) co_return;
    OnDemandPage& page = found->second;
    const auto now = std::chrono::steady_clock::now();
    if (page.published_at && now - *page.published_at <= page.max_age) co_return;
    const std::uint64_t seen = page.publications;
    // One render for every request that comes while it runs; another if it never came back.
    if (!page.asked_at || now - *page.asked_at > kOnDemandRenderWait) {
        page.asked_at = now;
        page.render();
        if (page.publications != seen) co_return;  // published at once
    }
    asio::steady_timer wait(io);
    wait.expires_after(kOnDemandRenderWait);
    page.waiters.push_back(&wait);
    co_await wait.async_wait(kNoThrow);
    std::erase(page.waiters, &wait);
}

bool HttpServer::Impl::evict_longest_waiting() {
    if (waiting.empty()) return false;
    const auto victim = waiting.begin();
    // Closing releases the descriptor now, which a pending accept may need;
    // the session notices the aborted read when it resumes.
    beast::error_code ignored;
    victim->stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
    victim->stream->close();
    move_to(victim, Phase::Evicted);
    ++evictions;
    ++evictions_in_episode;
    log->debug("publish: http closed connection {} (no request in progress) to make room", victim->id);
    return true;
}

void HttpServer::Impl::note_saturation(Saturation why, std::string_view reason) {
    if ((saturation_warned & why) != 0) return;
    saturation_warned |= why;
    switch (why) {
        case AtCap:
            log->warn(
                "publish: http reached its limit of {} connections (http_max_connections); closing the longest-idle "
                "connection for each new one",
                limits.max_connections);
            break;
        case OutOfDescriptors:
            log->warn(
                "publish: http cannot accept on port {}: {} (the process's open-file limit); closing idle "
                "connections to make room, longest-idle first",
                bound_port, reason);
            break;
        case AllBusy:
            log->warn(
                "publish: http cannot make room for new clients: all {} open connections are sending a response "
                "(http_max_connections is {})",
                open_connections(), limits.max_connections);
            break;
    }
}

// The episode ends only with a quarter of the cap to spare: an attacker
// holding the count just around the cap would otherwise turn the one warning
// per episode into one per connection.
void HttpServer::Impl::note_admitted_freely() {
    if (saturation_warned == 0 || 4 * open_connections() >= 3 * limits.max_connections) return;
    log->info("publish: http has room for new connections again; {} idle ones were closed to make room",
              evictions_in_episode);
    saturation_warned = 0;
    evictions_in_episode = 0;
}

asio::awaitable<void> HttpServer::Impl::accept_loop(std::shared_ptr<Impl> self) {
    bool made_room = false;  // the accept now retried got its descriptor from an eviction
    while (!stopping) {
        auto [ec, socket] = co_await acceptor.async_accept(kNoThrow);
        if (stopping || ec == asio::error::operation_aborted) co_return;
        if (ec == asio::error::connection_aborted) continue;  // the client gave up first
        if (is_out_of_descriptors(ec)) {
            // accept(2) fails so before it looks at the queue: with no client
            // there, wait for one rather than close a connection for nobody.
            // (The listener is edge-triggered, but nothing is pending now, so
            // the next client is a new edge.)
            if (!client_pending()) {
                co_await acceptor.async_wait(tcp::acceptor::wait_read, kNoThrow);
                continue;
            }
            note_saturation(OutOfDescriptors, ec.message());
            // Sleeping instead would let the listen queue fill with clients we
            // never serve; a closed idle connection frees a descriptor at once.
            made_room = evict_longest_waiting();
            if (made_room) continue;
        } else if (ec) {
            log->error("publish: http accept on port {} failed: {}", bound_port, ec.message());
        }
        if (ec) {
            accept_backoff.expires_after(kAcceptBackoff);
            co_await accept_backoff.async_wait(kNoThrow);
            continue;
        }
        if (open_connections() >= limits.max_connections) {
            if (evict_longest_waiting()) {
                note_saturation(AtCap);
            } else {
                // Every connection is sending a response: those are not
                // abandoned for a client that has asked for nothing yet.
                note_saturation(AllBusy);
                beast::error_code ignored;
                socket.close(ignored);
                continue;
            }
        } else if (!made_room) {
            note_admitted_freely();
        }
        made_room = false;
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        asio::co_spawn(io, session(self, std::move(socket)), on_coroutine_exit("connection"));
    }
}

asio::awaitable<void> HttpServer::Impl::session(std::shared_ptr<Impl> self, tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    const auto conn = waiting.insert(waiting.end(), Connection{&stream, next_connection_id++});
    const std::uint64_t id = conn->id;
    struct Unregister {
        Impl& impl;
        ConnectionList::iterator conn;
        ~Unregister() { impl.list_of(conn->phase).erase(conn); }
    } unregister{*self, conn};

    beast::flat_buffer buffer(std::max<std::size_t>(64 * 1024, 2 * std::size_t{limits.max_header_bytes}));
    bool linger = false;  // unread request bytes may remain: drain before closing
    // One deadline for the whole header, not per read: a client trickling a
    // byte at a time must not hold the connection any longer than a silent one.
    stream.expires_after(limits.header_timeout);
    for (bool first = true; !stopping; first = false) {
        if (!first) {
            if (buffer.size() == 0) {
                // Keep-alive clients may think between requests; the header
                // deadline starts with the next request's first byte.
                stream.expires_after(limits.idle_timeout);
                const auto [idle_ec, n] = co_await stream.async_read_some(buffer.prepare(kReadChunk), kNoThrow);
                if (idle_ec) {
                    if (!is_routine_disconnect(idle_ec))
                        log->debug("publish: http read from connection {} failed: {}", id, idle_ec.message());
                    break;
                }
                buffer.commit(n);
            }
            stream.expires_after(limits.header_timeout);
        }
        http::request_parser<http::empty_body> parser;
        parser.header_limit(limits.max_header_bytes);
        // A whole header usually arrives in one read: parse what the buffer holds first, and read
        // on (the composed read, with its deadline) only when the header is not complete yet. This
        // saves a trip through the scheduler per request.
        beast::error_code read_ec;
        if (buffer.size() > 0) {
            buffer.consume(parser.put(buffer.data(), read_ec));
            if (read_ec == http::error::need_more && !parser.is_header_done()) read_ec = {};
        }
        if (!read_ec && !parser.is_header_done()) {
            const auto [ec, read_bytes] = co_await http::async_read_header(stream, buffer, parser, kNoThrow);
            (void)read_bytes;
            read_ec = ec;
        }
        // Evicted: its read may have completed just before the close, but the
        // socket is gone.
        if (stopping || conn->phase == Phase::Evicted) break;

        Reply reply;
        bool keep_alive = false;
        if (read_ec == http::error::header_limit || read_ec == http::error::buffer_overflow) {
            reply.res.version(11);
            set_text(reply.res, http::status::request_header_fields_too_large, "request header too large\n");
            linger = true;
        } else if (read_ec && is_parse_error(read_ec)) {
            reply.res.version(11);
            set_text(reply.res, http::status::bad_request, "bad request\n");
            linger = true;
        } else if (read_ec) {
            if (!is_routine_disconnect(read_ec))
                log->debug("publish: http read from connection {} failed: {}", id, read_ec.message());
            break;
        } else {
            const Request& req = parser.get();
            // Waiting for a page to be rendered, the connection stays among those that may be closed
            // to make room: a crowd asking for the status page must not lock out feed readers.
            co_await refresh_if_stale(request_path(req.target()));
            if (stopping || conn->phase == Phase::Evicted) break;
            reply = respond(req);
            // A body we would have to read: refuse it and close (GET/HEAD get 413;
            // other methods keep their 404/405).
            const bool has_body = !parser.is_done();
            if (has_body &&
                (reply.res.result() == http::status::ok || reply.res.result() == http::status::not_modified ||
                 reply.res.result() == http::status::service_unavailable)) {
                reply.keep_alive.reset();
                reply.res.erase(http::field::etag);
                reply.res.erase(http::field::last_modified);
                reply.res.erase(http::field::cache_control);
                reply.res.erase(http::field::vary);
                reply.res.erase(http::field::link);
                reply.res.erase(http::field::content_encoding);
                reply.res.erase(http::field::retry_after);
                set_text(reply.res, http::status::payload_too_large, "request bodies are not accepted\n");
                if (req.method() == http::verb::head) reply.res.body() = {};
            }
            linger = has_body;
            keep_alive = req.keep_alive() && !has_body;
            log->debug("publish: http {} {} -> {}", std::string_view(req.method_string()),
                       std::string_view(req.target()).substr(0, 200), reply.res.result_int());
        }
        reply.res.keep_alive(keep_alive);

        move_to(conn, Phase::Busy);
        stream.expires_after(limits.write_timeout);
        const auto [write_ec, written] = co_await http::async_write(stream, reply.res, kNoThrow);
        (void)written;
        if (write_ec) {
            if (!is_routine_disconnect(write_ec))
                log->debug("publish: http write to connection {} failed: {}", id, write_ec.message());
            linger = false;
            break;
        }
        if (!keep_alive) break;
        move_to(conn, Phase::Waiting);
    }

    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    if (linger && !stopping && conn->phase != Phase::Evicted) {
        // Already answered and on its way out: the first to go if room is needed.
        move_to(conn, Phase::Waiting, true);
        co_await linger_close(stream, buffer);
    }
    stream.close();
}

// After answering a request we did not read completely, closing at once could
// make the kernel send RST and the client lose our reply: read and discard
// what is still coming, for a bounded time and amount, then close.
asio::awaitable<void> HttpServer::Impl::linger_close(beast::tcp_stream& stream, beast::flat_buffer& buffer) {
    std::size_t discarded = 0;
    stream.expires_after(kLingerTimeout);
    while (discarded < kMaxLingerBytes && !stopping) {
        buffer.consume(buffer.size());
        const auto [ec, n] = co_await stream.async_read_some(buffer.prepare(kReadChunk), kNoThrow);
        if (ec) break;
        discarded += n;
    }
}

// ------------------------------------------------------------ HttpServer ---

HttpServer::HttpServer(asio::io_context& io, std::string host, std::uint16_t port, HttpLimits limits)
    : impl_(std::make_shared<Impl>(io, std::move(host), port, limits)) {}

HttpServer::~HttpServer() { impl_->stop(); }

Result<void> HttpServer::start() { return impl_->start(); }

std::uint16_t HttpServer::port() const { return impl_->bound_port; }

void HttpServer::publish(std::string url_path, std::shared_ptr<const Snapshot> snapshot) {
    if (const auto page = impl_->on_demand.find(url_path); page != impl_->on_demand.end() && snapshot) {
        page->second.published_at = std::chrono::steady_clock::now();
        page->second.asked_at.reset();
        ++page->second.publications;
        for (asio::steady_timer* waiter : page->second.waiters) waiter->cancel();
    }
    // The same bytes again keep the snapshot served so far, and with it its Last-Modified: a client
    // asking If-Modified-Since is not sent what it has because the feed was rendered once more.
    if (const auto it = impl_->snapshots.find(url_path);
        it != impl_->snapshots.end() && it->second && snapshot && it->second->etag == snapshot->etag &&
        it->second->content_type == snapshot->content_type && it->second->cache_control == snapshot->cache_control &&
        it->second->link == snapshot->link)
        return;
    impl_->snapshots.insert_or_assign(std::move(url_path), std::move(snapshot));
}

void HttpServer::on_demand(std::string url_path, std::chrono::milliseconds max_age, std::function<void()> render) {
    Impl::OnDemandPage& page = impl_->on_demand[url_path];
    page.max_age = max_age;
    page.render = std::move(render);
    impl_->snapshots.try_emplace(std::move(url_path), nullptr);  // 503 until first rendered
}

void HttpServer::stop() { impl_->stop(); }

std::size_t HttpServer::connection_count() const { return impl_->open_connections(); }

std::uint64_t HttpServer::evicted_count() const { return impl_->evictions; }

}  // namespace tributary::publish
