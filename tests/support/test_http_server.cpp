#include "support/test_http_server.hpp"

#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <exception>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>  // before Asio's coroutine headers (GCC 12)

namespace tributary::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::string path_of(std::string_view target) { return std::string(target.substr(0, target.find('?'))); }

constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// "Sun, 06 Nov 1994 08:49:37 GMT" (IMF-fixdate) -> seconds since the epoch.
std::optional<std::time_t> parse_http_date(std::string_view text) {
    const std::string s(trim(text));
    char month[4] = {};
    std::tm tm{};
    if (std::sscanf(s.c_str(), "%*3s, %d %3s %d %d:%d:%d GMT", &tm.tm_mday, month, &tm.tm_year, &tm.tm_hour, &tm.tm_min,
                    &tm.tm_sec) != 6) {
        return std::nullopt;
    }
    const auto* it = std::find_if(std::begin(kMonths), std::end(kMonths),
                                  [&](const char* m) { return std::string_view(m) == month; });
    if (it == std::end(kMonths)) return std::nullopt;
    tm.tm_mon = static_cast<int>(it - std::begin(kMonths));
    tm.tm_year -= 1900;
    return timegm(&tm);
}

std::string hex_fnv1a64(std::string_view bytes) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (const char c : bytes) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
    auto opaque = [](std::string_view t) {
        t = trim(t);
        if (t.starts_with("W/")) t.remove_prefix(2);  // weak comparison, as for GET
        return t;
    };
    std::size_t pos = 0;
    while (pos <= if_none_match.size()) {
        const std::size_t comma = std::min(if_none_match.find(',', pos), if_none_match.size());
        const std::string_view candidate = trim(if_none_match.substr(pos, comma - pos));
        if (candidate == "*" || (!candidate.empty() && opaque(candidate) == opaque(etag))) return true;
        pos = comma + 1;
    }
    return false;
}

bool has_header(const Response& r, std::string_view name) {
    return std::any_of(r.headers.begin(), r.headers.end(),
                       [&](const auto& h) { return lower(h.first) == lower(name); });
}

}  // namespace

std::string gzip_compress(std::string_view data) {
    z_stream zs{};
    if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
        throw std::runtime_error("gzip_compress: deflateInit2 failed");
    }
    std::string out;
    out.resize(deflateBound(&zs, static_cast<uLong>(data.size())) + 32);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&zs, Z_FINISH);
    const auto written = zs.total_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) throw std::runtime_error("gzip_compress: deflate failed");
    out.resize(written);
    return out;
}

std::string http_date(std::chrono::system_clock::time_point t) {
    const std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday], tm.tm_mday,
                  kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

struct TestHttpServer::Impl {
    // One accepted connection; the server keeps a weak reference so stop() can close it.
    struct Conn {
        explicit Conn(tcp::socket s) : socket(std::move(s)), timer(socket.get_executor()) {}
        tcp::socket socket;
        asio::steady_timer timer;
    };

    asio::io_context io{1};
    tcp::acceptor acceptor{io};
    std::string address;
    std::uint16_t port = 0;
    std::thread thread;
    std::atomic<bool> stopping{false};
    std::vector<std::weak_ptr<Conn>> conns;  // server thread only

    mutable std::mutex mutex;  // guards routes and log
    std::map<std::string, std::function<Response(const RecordedRequest&)>, std::less<>> routes;
    std::vector<RecordedRequest> log;

    explicit Impl(std::string_view bind_address) : address(bind_address) {
        const tcp::endpoint ep(asio::ip::make_address_v4(address), 0);
        acceptor.open(ep.protocol());
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        acceptor.bind(ep);
        acceptor.listen();
        port = acceptor.local_endpoint().port();
        asio::co_spawn(io, accept_loop(), [](std::exception_ptr e) { report(e, "accept loop"); });
        thread = std::thread([this] { io.run(); });
    }

    ~Impl() {
        asio::post(io, [this] {
            stopping = true;
            error_code ec;
            acceptor.close(ec);
            for (auto& weak : conns) {
                if (auto c = weak.lock()) {
                    c->timer.cancel();
                    c->socket.close(ec);
                }
            }
        });
        thread.join();
    }

    static void report(std::exception_ptr e, const char* what) {
        if (!e) return;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            std::fprintf(stderr, "TestHttpServer: %s: %s\n", what, ex.what());
        }
    }

    asio::awaitable<void> accept_loop() {
        for (;;) {
            auto [ec, socket] = co_await acceptor.async_accept(kNoThrow);
            if (ec || stopping) co_return;
            auto conn = std::make_shared<Conn>(std::move(socket));
            std::erase_if(conns, [](const auto& w) { return w.expired(); });
            conns.push_back(conn);
            asio::co_spawn(io, session(conn), [](std::exception_ptr e) { report(e, "session"); });
        }
    }

    Response dispatch(const RecordedRequest& req) {
        std::function<Response(const RecordedRequest&)> handler;
        {
            std::lock_guard lock(mutex);
            log.push_back(req);
            if (auto it = routes.find(path_of(req.target)); it != routes.end()) handler = it->second;
        }
        if (!handler)
            return Response{.status = 404, .headers = {{"Content-Type", "text/plain"}}, .body = "not found\n"};
        try {
            return handler(req);
        } catch (const std::exception& e) {
            return Response{.status = 500, .headers = {{"Content-Type", "text/plain"}}, .body = e.what()};
        }
    }

    asio::awaitable<void> session(std::shared_ptr<Conn> conn) {
        beast::flat_buffer buffer;
        for (;;) {
            http::request_parser<http::string_body> parser;
            parser.body_limit(64u << 20);
            auto [ec, n] = co_await http::async_read(conn->socket, buffer, parser, kNoThrow);
            if (ec || stopping) break;
            const auto& req = parser.get();
            RecordedRequest rec{std::string(req.method_string()), std::string(req.target()), {}, req.body()};
            for (const auto& field : req) {
                auto [it, inserted] = rec.headers.emplace(lower(field.name_string()), std::string(field.value()));
                if (!inserted) it->second += ", " + std::string(field.value());
            }
            Response response = dispatch(rec);
            const bool keep_alive = req.keep_alive();
            const bool head = req.method() == http::verb::head;
            if (!co_await send(*conn, std::move(response), keep_alive, head)) break;
            if (!keep_alive) break;
        }
        error_code ec;
        conn->socket.shutdown(tcp::socket::shutdown_both, ec);
        conn->socket.close(ec);
    }

    // Waits on the connection's timer; false when the server is stopping.
    asio::awaitable<bool> pause(Conn& conn, std::chrono::steady_clock::duration d) {
        conn.timer.expires_after(d);
        co_await conn.timer.async_wait(kNoThrow);
        co_return !stopping;
    }

    static std::string head_text(const Response& r, std::size_t content_length, bool keep_alive) {
        std::string reason(http::obsolete_reason(http::int_to_status(static_cast<unsigned>(r.status))));
        std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + reason + "\r\n";
        for (const auto& [name, value] : r.headers) out += name + ": " + value + "\r\n";
        if (!has_header(r, "content-length") && !has_header(r, "transfer-encoding")) {
            out += "Content-Length: " + std::to_string(content_length) + "\r\n";
        }
        out += keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
        out += "\r\n";
        return out;
    }

    asio::awaitable<bool> write(Conn& conn, std::string_view bytes) {
        auto [ec, n] = co_await asio::async_write(conn.socket, asio::buffer(bytes.data(), bytes.size()), kNoThrow);
        co_return !ec && !stopping;
    }

    // Returns whether the connection may carry another request.
    asio::awaitable<bool> send(Conn& conn, Response r, bool keep_alive, bool head) {
        if (r.delay.count() > 0 && !co_await pause(conn, r.delay)) co_return false;
        if (r.mode == Response::Mode::raw) {
            co_await write(conn, r.body);
            co_return false;
        }
        if (r.gzip) {
            r.body = gzip_compress(r.body);
            r.headers.emplace_back("Content-Encoding", "gzip");
        }
        const bool bodiless = head || r.status == 204 || r.status == 304 || (r.status >= 100 && r.status < 200);
        const std::string_view body = bodiless ? std::string_view{} : std::string_view{r.body};
        const std::size_t chunk = std::max<std::size_t>(1, r.chunk_bytes);
        switch (r.mode) {
            case Response::Mode::normal: {
                std::string all = head_text(r, head ? r.body.size() : body.size(), keep_alive);
                all += body;
                co_return co_await write(conn, all);
            }
            case Response::Mode::slow: {
                if (!co_await write(conn, head_text(r, body.size(), keep_alive))) co_return false;
                for (std::size_t pos = 0; pos < body.size(); pos += chunk) {
                    if (pos > 0 && !co_await pause(conn, r.chunk_interval)) co_return false;
                    if (!co_await write(conn, body.substr(pos, chunk))) co_return false;
                }
                co_return true;
            }
            case Response::Mode::stall: {
                if (!co_await write(conn, head_text(r, r.body.size(), true))) co_return false;
                if (!co_await write(conn, body.substr(0, std::min(chunk, body.size())))) co_return false;
                // Wait for the client to hang up (or the server to stop); never send the rest.
                char sink[512];
                for (;;) {
                    auto [ec, n] = co_await conn.socket.async_read_some(asio::buffer(sink), kNoThrow);
                    if (ec || stopping) co_return false;
                }
            }
            case Response::Mode::close_mid_body: {
                if (!co_await write(conn, head_text(r, r.body.size(), true))) co_return false;
                co_await write(conn, body.substr(0, body.size() / 2));
                co_return false;
            }
            case Response::Mode::reset_mid_body: {
                if (!co_await write(conn, head_text(r, r.body.size(), true))) co_return false;
                co_await write(conn, body.substr(0, body.size() / 2));
                // SO_LINGER with a zero timeout makes close() send RST instead of FIN.
                error_code ec;
                conn.socket.set_option(asio::socket_base::linger(true, 0), ec);
                conn.socket.close(ec);
                co_return false;
            }
            case Response::Mode::endless: {
                r.headers.emplace_back("Transfer-Encoding", "chunked");
                if (!co_await write(conn, head_text(r, 0, true))) co_return false;
                if (body.empty()) co_return false;  // an empty chunk would end the body
                char size_line[32];
                std::snprintf(size_line, sizeof size_line, "%zx\r\n", body.size());
                const std::string chunk_text = std::string(size_line) + std::string(body) + "\r\n";
                for (;;) {
                    if (!co_await write(conn, chunk_text)) co_return false;
                }
            }
            case Response::Mode::raw: break;
        }
        co_return false;
    }
};

TestHttpServer::TestHttpServer() : impl_(std::make_unique<Impl>("127.0.0.1")) {}
TestHttpServer::TestHttpServer(std::string_view address) : impl_(std::make_unique<Impl>(address)) {}
TestHttpServer::~TestHttpServer() = default;

std::uint16_t TestHttpServer::port() const { return impl_->port; }

std::string TestHttpServer::url(std::string_view path) const {
    return "http://" + impl_->address + ":" + std::to_string(impl_->port) + std::string(path);
}

void TestHttpServer::route(std::string path, std::function<Response(const RecordedRequest&)> handler) {
    std::lock_guard lock(impl_->mutex);
    impl_->routes.insert_or_assign(std::move(path), std::move(handler));
}

void TestHttpServer::serve_file(std::string path, std::filesystem::path file, std::string content_type) {
    route(std::move(path), [file = std::move(file), type = std::move(content_type)](const RecordedRequest& req) {
        std::ifstream in(file, std::ios::binary);
        if (!in) return Response{.status = 404, .headers = {{"Content-Type", "text/plain"}}, .body = "no such file\n"};
        std::ostringstream content;
        content << in.rdbuf();
        std::string body = std::move(content).str();

        const auto mtime = std::chrono::time_point_cast<std::chrono::seconds>(
            std::chrono::file_clock::to_sys(std::filesystem::last_write_time(file)));
        const std::string etag = "\"" + hex_fnv1a64(body) + "\"";
        const std::string last_modified = http_date(mtime);

        bool not_modified = false;
        if (auto inm = req.headers.find("if-none-match"); inm != req.headers.end()) {
            not_modified = etag_matches(inm->second, etag);
        } else if (auto ims = req.headers.find("if-modified-since"); ims != req.headers.end()) {
            const auto since = parse_http_date(ims->second);
            not_modified = since && mtime.time_since_epoch().count() <= *since;
        }
        Response r{.status = not_modified ? 304 : 200,
                   .headers = {{"ETag", etag}, {"Last-Modified", last_modified}},
                   .body = {}};
        if (!not_modified) {
            r.headers.emplace_back("Content-Type", type);
            r.body = std::move(body);
        }
        return r;
    });
}

std::vector<RecordedRequest> TestHttpServer::requests() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->log;
}

int TestHttpServer::hits(std::string_view path) const {
    std::lock_guard lock(impl_->mutex);
    return static_cast<int>(
        std::count_if(impl_->log.begin(), impl_->log.end(), [&](const auto& r) { return path_of(r.target) == path; }));
}

}  // namespace tributary::testing
