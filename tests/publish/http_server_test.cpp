// clang-format off
#include <utility>  // before any Asio header (GCC 12 coroutine bug)
// clang-format on

#include "publish/http_server.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/text.hpp"

namespace tributary::publish {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono;
using namespace std::string_literals;
using HttpResponse = http::response<http::string_body>;

constexpr SysTime kModified = SysTime{seconds{1'767'006'137}};  // Mon, 29 Dec 2025 11:02:17 GMT
constexpr auto kDeadline = 10s;
constexpr std::string_view kPing = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
// The start of a request header that never ends.
const std::string kEndlessHeader = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(1000, 'a');

std::string gunzip(std::string_view in) {
    z_stream zs{};
    if (inflateInit2(&zs, 15 + 16) != Z_OK) return "<inflateInit2 failed>";
    std::string out;
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    int rc = Z_OK;
    while (rc == Z_OK) {
        char chunk[16384];
        zs.next_out = reinterpret_cast<Bytef*>(chunk);
        zs.avail_out = sizeof chunk;
        rc = inflate(&zs, Z_NO_FLUSH);
        out.append(chunk, sizeof chunk - zs.avail_out);
        if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;
    }
    inflateEnd(&zs);
    return rc == Z_STREAM_END ? out : "<corrupt gzip>";
}

std::string field(const HttpResponse& res, http::field f) { return std::string(res[f]); }

std::string feed_body(std::string_view marker) {
    std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>";
    body += marker;
    body += "</title>";
    for (int i = 0; i < 50; ++i) body += "<item><title>item " + std::to_string(i) + "</title></item>";
    body += "</channel></rss>\n";
    return body;
}

// What a client saw on one connection.
struct Exchange {
    std::vector<HttpResponse> responses;
    bool closed_by_server = false;        // only checked when asked for
    std::shared_ptr<tcp::socket> socket;  // kept open when the server should keep it alive
};

class HttpServerTest : public ::testing::Test {
protected:
    void start(HttpLimits limits = {}) {
        server = std::make_unique<HttpServer>(io, "127.0.0.1", 0, limits);
        const auto started = server->start();
        ASSERT_TRUE(started.has_value()) << started.error().message;
        ASSERT_NE(server->port(), 0);
    }

    tcp::endpoint endpoint() const { return {asio::ip::make_address_v4("127.0.0.1"), server->port()}; }

    // Runs the loop until `done` or the deadline; false on timeout.
    template <class Pred>
    bool run_until(Pred done) {
        const auto deadline = steady_clock::now() + kDeadline;
        while (!done()) {
            if (steady_clock::now() > deadline) return false;
            if (io.stopped()) io.restart();
            io.run_one_for(50ms);
        }
        return true;
    }

    template <class T>
    T wait(std::future<T> future) {
        const bool ready = run_until([&] { return future.wait_for(0s) == std::future_status::ready; });
        if (!ready) throw std::runtime_error("timed out waiting for the exchange");
        return future.get();
    }

    // Sends `raw` on a new connection and reads one response per entry of
    // `heads` (true: the request was HEAD). With `expect_close`, then reads
    // until the server closes the connection.
    asio::awaitable<Exchange> exchange_coro(std::string raw, std::vector<bool> heads, bool expect_close) {
        Exchange out;
        out.socket = std::make_shared<tcp::socket>(io);
        co_await out.socket->async_connect(endpoint(), asio::use_awaitable);
        co_await asio::async_write(*out.socket, asio::buffer(raw), asio::use_awaitable);
        beast::flat_buffer buffer;
        for (const bool head : heads) {
            http::response_parser<http::string_body> parser;
            parser.body_limit(64u << 20);
            if (head) parser.skip(true);
            co_await http::async_read(*out.socket, buffer, parser, asio::use_awaitable);
            out.responses.push_back(parser.release());
        }
        if (expect_close) {
            char byte = 0;
            auto [ec, n] =
                co_await out.socket->async_read_some(asio::buffer(&byte, 1), asio::as_tuple(asio::use_awaitable));
            out.closed_by_server =
                buffer.size() == 0 && n == 0 && (ec == asio::error::eof || ec == asio::error::connection_reset);
        }
        co_return out;
    }

    Exchange exchange(std::string raw, std::vector<bool> heads = {false}, bool expect_close = false) {
        return wait(
            asio::co_spawn(io, exchange_coro(std::move(raw), std::move(heads), expect_close), asio::use_future));
    }

    // Sends a GET, reads the first bytes of the response and resets the connection.
    asio::awaitable<std::size_t> abandon_coro() {
        tcp::socket socket(io);
        co_await socket.async_connect(endpoint(), asio::use_awaitable);
        const std::string req = "GET /merged.xml HTTP/1.1\r\nHost: x\r\n\r\n";
        co_await asio::async_write(socket, asio::buffer(req), asio::use_awaitable);
        std::array<char, 1024> buf{};
        const std::size_t n = co_await socket.async_read_some(asio::buffer(buf), asio::use_awaitable);
        socket.set_option(asio::socket_base::linger(true, 0));  // RST, the rudest goodbye
        socket.close();
        co_return n;
    }

    // Connects without sending anything and waits until the server has the
    // connection open, so the server sees connections in the order opened.
    std::shared_ptr<tcp::socket> open_silent() {
        const std::size_t before = server->connection_count();
        auto socket = std::make_shared<tcp::socket>(io);
        socket->connect(endpoint());  // loopback: completes from the listen queue
        if (!run_until([&] { return server->connection_count() > before; }))
            throw std::runtime_error("the server did not take the connection");
        return socket;
    }

    // Sends `raw` on an open connection and reads one response.
    asio::awaitable<HttpResponse> request_on_coro(std::shared_ptr<tcp::socket> socket, std::string raw) {
        co_await asio::async_write(*socket, asio::buffer(raw), asio::use_awaitable);
        beast::flat_buffer buffer;
        HttpResponse res;
        co_await http::async_read(*socket, buffer, res, asio::use_awaitable);
        co_return res;
    }

    HttpResponse request_on(std::shared_ptr<tcp::socket> socket, std::string_view raw) {
        return wait(asio::co_spawn(io, request_on_coro(std::move(socket), std::string(raw)), asio::use_future));
    }

    // When the server closed `socket` (end of stream or reset before any byte
    // arrived), if it did within `within`.
    std::optional<steady_clock::time_point> closed_by_server_within(tcp::socket& socket,
                                                                    steady_clock::duration within) {
        struct Outcome {
            bool done = false;
            bool closed = false;
            steady_clock::time_point at;
            char byte = 0;
        };
        auto outcome = std::make_shared<Outcome>();
        socket.async_read_some(asio::buffer(&outcome->byte, 1), [outcome](beast::error_code ec, std::size_t n) {
            outcome->done = true;
            outcome->at = steady_clock::now();
            outcome->closed = n == 0 && (ec == asio::error::eof || ec == asio::error::connection_reset);
        });
        const auto deadline = steady_clock::now() + within;
        while (!outcome->done && steady_clock::now() < deadline) {
            if (io.stopped()) io.restart();
            io.run_one_for(20ms);
        }
        if (!outcome->done) {
            socket.cancel();
            run_until([&] { return outcome->done; });
            return std::nullopt;
        }
        if (!outcome->closed) return std::nullopt;
        return outcome->at;
    }

    // Sends `bytes` one at a time, `every` apart, until done or the connection fails.
    asio::awaitable<void> trickle_coro(std::shared_ptr<tcp::socket> socket, std::string bytes, milliseconds every) {
        asio::steady_timer timer(io);
        for (const char c : bytes) {
            const auto [ec, n] =
                co_await asio::async_write(*socket, asio::buffer(&c, 1), asio::as_tuple(asio::use_awaitable));
            if (ec) co_return;
            timer.expires_after(every);
            co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        }
    }

    void trickle(std::shared_ptr<tcp::socket> socket, std::string bytes, milliseconds every) {
        asio::co_spawn(io, trickle_coro(std::move(socket), std::move(bytes), every), [](const std::exception_ptr& e) {
            if (e) std::rethrow_exception(e);
        });
    }

    HttpResponse get(const std::string& target, const std::string& extra_headers = "") {
        Exchange e = exchange("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n" + extra_headers + "\r\n");
        if (e.responses.size() != 1) throw std::runtime_error("no response");
        return std::move(e.responses.front());
    }

    void publish_feed(std::string body) {
        snapshot = make_snapshot(std::move(body), kModified);
        server->publish("/merged.xml", snapshot);
    }

    asio::io_context io{1};
    std::unique_ptr<HttpServer> server;
    std::shared_ptr<const Snapshot> snapshot;
};

TEST(MakeSnapshot, EtagAndGzip) {
    const std::string body = feed_body("snapshot");
    const auto snap = make_snapshot(body, kModified);
    EXPECT_EQ(snap->body, body);
    EXPECT_EQ(snap->etag, "\"" + hex64(fnv1a64(body)) + "\"");
    EXPECT_EQ(snap->etag.size(), 18u);
    EXPECT_EQ(snap->gzip_etag, "\"" + hex64(fnv1a64(body)) + "-gzip\"");
    EXPECT_EQ(snap->last_modified, kModified);
    EXPECT_EQ(snap->content_type, "application/rss+xml; charset=utf-8");
    ASSERT_FALSE(snap->gzip_body.empty());
    EXPECT_LT(snap->gzip_body.size(), body.size());
    EXPECT_EQ(gunzip(snap->gzip_body), body);
    EXPECT_EQ(gunzip(make_snapshot("", kModified)->gzip_body), "");
}

TEST_F(HttpServerTest, HealthzAnswersOk) {
    start();
    const HttpResponse res = get("/healthz");
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_EQ(res.body(), "ok\n");
    EXPECT_EQ(field(res, http::field::content_type), "text/plain; charset=utf-8");
    EXPECT_EQ(field(res, http::field::content_length), "3");
}

TEST_F(HttpServerTest, UnknownPathIs404) {
    start();
    EXPECT_EQ(get("/merged.xml").result_int(), 404u);  // nothing declared yet
    server->publish("/merged.xml", nullptr);
    EXPECT_EQ(get("/other.xml").result_int(), 404u);
    EXPECT_EQ(get("/merged.xml/").result_int(), 404u);
}

TEST_F(HttpServerTest, DeclaredButUnpublishedPathIs503WithRetryAfter) {
    start();
    server->publish("/merged.xml", nullptr);
    const HttpResponse res = get("/merged.xml");
    EXPECT_EQ(res.result_int(), 503u);
    EXPECT_EQ(field(res, http::field::retry_after), "5");
    EXPECT_EQ(field(res, http::field::etag), "");
}

TEST_F(HttpServerTest, GetServesTheSnapshotWithItsHeaders) {
    start();
    publish_feed(feed_body("first"));
    const HttpResponse res = get("/merged.xml");
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_EQ(res.body(), snapshot->body);
    EXPECT_EQ(field(res, http::field::content_type), "application/rss+xml; charset=utf-8");
    EXPECT_EQ(field(res, http::field::etag), "\"" + hex64(fnv1a64(snapshot->body)) + "\"");
    EXPECT_EQ(field(res, http::field::last_modified), "Mon, 29 Dec 2025 11:02:17 GMT");
    EXPECT_EQ(field(res, http::field::cache_control), "public, max-age=60");
    EXPECT_EQ(field(res, http::field::vary), "Accept-Encoding, Accept");  // browsers get application/xml
    EXPECT_EQ(field(res, http::field::content_length), std::to_string(snapshot->body.size()));
    EXPECT_EQ(field(res, http::field::content_encoding), "");
    EXPECT_EQ(get("/merged.xml?utm_source=x").body(), snapshot->body);  // the query is ignored
}

TEST_F(HttpServerTest, HeadSendsHeadersWithoutBody) {
    start();
    publish_feed(feed_body("head"));
    // HEAD then GET /healthz on one connection: if HEAD had sent body bytes,
    // the second response would not parse as "ok\n".
    const Exchange e = exchange(
        "HEAD /merged.xml HTTP/1.1\r\nHost: x\r\n\r\n"
        "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
        {true, false});
    ASSERT_EQ(e.responses.size(), 2u);
    const HttpResponse& head = e.responses[0];
    EXPECT_EQ(head.result_int(), 200u);
    EXPECT_EQ(head.body(), "");
    EXPECT_EQ(field(head, http::field::content_length), std::to_string(snapshot->body.size()));
    EXPECT_EQ(field(head, http::field::etag), snapshot->etag);
    EXPECT_EQ(e.responses[1].body(), "ok\n");
}

TEST_F(HttpServerTest, IfNoneMatchGives304) {
    start();
    publish_feed(feed_body("etag"));
    const std::string etag = snapshot->etag;
    for (const std::string& value : {etag, "W/" + etag, "\"nope\", " + etag, "*"s}) {
        SCOPED_TRACE(value);
        const HttpResponse res = get("/merged.xml", "If-None-Match: " + value + "\r\n");
        EXPECT_EQ(res.result_int(), 304u);
        EXPECT_EQ(res.body(), "");
        EXPECT_EQ(field(res, http::field::etag), etag);
        EXPECT_EQ(field(res, http::field::cache_control), "public, max-age=60");
        EXPECT_EQ(field(res, http::field::content_length), "");
    }
    EXPECT_EQ(get("/merged.xml", "If-None-Match: \"nope\"\r\n").result_int(), 200u);
    // If-None-Match takes precedence over If-Modified-Since.
    EXPECT_EQ(get("/merged.xml", "If-None-Match: \"nope\"\r\nIf-Modified-Since: Tue, 30 Dec 2025 00:00:00 GMT\r\n")
                  .result_int(),
              200u);
}

TEST_F(HttpServerTest, IfModifiedSinceGives304WhenNotNewer) {
    start();
    publish_feed(feed_body("ims"));
    struct Case {
        const char* date;
        unsigned status;
    };
    for (const Case c : {Case{"Mon, 29 Dec 2025 11:02:17 GMT", 304}, Case{"Tue, 30 Dec 2025 00:00:00 GMT", 304},
                         Case{"Mon, 29 Dec 2025 11:02:16 GMT", 200}, Case{"yesterday", 200}}) {
        SCOPED_TRACE(c.date);
        const HttpResponse res = get("/merged.xml", "If-Modified-Since: "s + c.date + "\r\n");
        EXPECT_EQ(res.result_int(), c.status);
        EXPECT_EQ(res.body().empty(), c.status == 304);
    }
}

// Chromium shows application/rss+xml as source text and never applies its xml-stylesheet: a
// browser (Accept: text/html) is sent the same bytes as application/xml; a feed reader the feed type.
TEST_F(HttpServerTest, ABrowserGetsFeedsAsApplicationXml) {
    start();
    publish_feed(feed_body("browser"));
    const HttpResponse browser =
        get("/merged.xml", "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n");
    EXPECT_EQ(browser.result_int(), 200u);
    EXPECT_EQ(field(browser, http::field::content_type), "application/xml; charset=utf-8");
    EXPECT_EQ(browser.body(), snapshot->body);
    const HttpResponse reader = get("/merged.xml", "Accept: application/rss+xml, application/xml;q=0.9\r\n");
    EXPECT_EQ(field(reader, http::field::content_type), "application/rss+xml; charset=utf-8");
}

TEST_F(HttpServerTest, GzipWhenAccepted) {
    start();
    publish_feed(feed_body("gzip"));
    const HttpResponse res = get("/merged.xml", "Accept-Encoding: br, gzip;q=0.8\r\n");
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_EQ(field(res, http::field::content_encoding), "gzip");
    EXPECT_EQ(field(res, http::field::content_length), std::to_string(snapshot->gzip_body.size()));
    EXPECT_EQ(field(res, http::field::vary), "Accept-Encoding, Accept");
    EXPECT_EQ(res.body(), snapshot->gzip_body);
    EXPECT_EQ(gunzip(res.body()), snapshot->body);

    const HttpResponse refused = get("/merged.xml", "Accept-Encoding: gzip;q=0, identity\r\n");
    EXPECT_EQ(field(refused, http::field::content_encoding), "");
    EXPECT_EQ(refused.body(), snapshot->body);
}

// Two codings are two representations: each has its own strong ETag, and a conditional request
// with either is answered 304 with the tag of the coding the request would get.
TEST_F(HttpServerTest, EachContentCodingHasItsOwnEtag) {
    start();
    publish_feed(feed_body("codings"));
    const std::string gzip = "Accept-Encoding: gzip\r\n";
    const HttpResponse zipped = get("/merged.xml", gzip);
    const HttpResponse plain = get("/merged.xml");
    EXPECT_EQ(field(zipped, http::field::content_encoding), "gzip");
    EXPECT_EQ(field(zipped, http::field::etag), snapshot->gzip_etag);
    EXPECT_EQ(field(plain, http::field::etag), snapshot->etag);
    EXPECT_NE(snapshot->gzip_etag, snapshot->etag);

    for (const std::string& tag : {snapshot->etag, snapshot->gzip_etag}) {
        SCOPED_TRACE(tag);
        const HttpResponse zipped_304 = get("/merged.xml", gzip + "If-None-Match: " + tag + "\r\n");
        EXPECT_EQ(zipped_304.result_int(), 304u);
        EXPECT_EQ(field(zipped_304, http::field::etag), snapshot->gzip_etag);
        const HttpResponse plain_304 = get("/merged.xml", "If-None-Match: " + tag + "\r\n");
        EXPECT_EQ(plain_304.result_int(), 304u);
        EXPECT_EQ(field(plain_304, http::field::etag), snapshot->etag);
    }
    const auto old_snapshot = snapshot;
    publish_feed(feed_body("codings, changed"));
    EXPECT_EQ(get("/merged.xml", gzip + "If-None-Match: " + old_snapshot->gzip_etag + "\r\n").result_int(), 200u);
}

TEST_F(HttpServerTest, OtherMethodsAre405) {
    start();
    publish_feed(feed_body("405"));
    for (const char* method : {"POST", "PUT", "DELETE", "OPTIONS"}) {
        SCOPED_TRACE(method);
        const Exchange e =
            exchange(std::string(method) + " /merged.xml HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
        ASSERT_EQ(e.responses.size(), 1u);
        EXPECT_EQ(e.responses[0].result_int(), 405u);
        EXPECT_EQ(field(e.responses[0], http::field::allow), "GET, HEAD");
    }
    const Exchange health = exchange("DELETE /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(health.responses.at(0).result_int(), 405u);
}

TEST_F(HttpServerTest, RequestBodiesAreRefusedAndTheConnectionClosed) {
    start();
    publish_feed(feed_body("body"));
    const Exchange e = exchange("GET /merged.xml HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", {false}, true);
    ASSERT_EQ(e.responses.size(), 1u);
    EXPECT_EQ(e.responses[0].result_int(), 413u);
    EXPECT_FALSE(e.responses[0].keep_alive());
    EXPECT_TRUE(e.closed_by_server);

    const Exchange chunked =
        exchange("POST /merged.xml HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                 {false}, true);
    EXPECT_EQ(chunked.responses.at(0).result_int(), 405u);
    EXPECT_TRUE(chunked.closed_by_server);
}

TEST_F(HttpServerTest, OversizedHeaderIs431) {
    HttpLimits limits;
    limits.max_header_bytes = 4096;
    start(limits);
    const Exchange e =
        exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(8000, 'a') + "\r\n\r\n", {false}, true);
    EXPECT_EQ(e.responses.at(0).result_int(), 431u);
    EXPECT_TRUE(e.closed_by_server);
}

TEST_F(HttpServerTest, MalformedRequestIs400) {
    start();
    const Exchange e = exchange("GET /healthz HTTP/1.1\r\nHost x\r\n\r\n", {false}, true);
    EXPECT_EQ(e.responses.at(0).result_int(), 400u);
    EXPECT_TRUE(e.closed_by_server);
}

TEST_F(HttpServerTest, SnapshotSwapServesNewBytesAndEtag) {
    start();
    publish_feed(feed_body("old"));
    const auto old_snapshot = snapshot;
    const HttpResponse before = get("/merged.xml");
    publish_feed(feed_body("new"));
    const HttpResponse after = get("/merged.xml");
    EXPECT_EQ(before.body(), old_snapshot->body);
    EXPECT_EQ(after.body(), snapshot->body);
    EXPECT_NE(field(before, http::field::etag), field(after, http::field::etag));
    EXPECT_EQ(field(after, http::field::etag), snapshot->etag);
    EXPECT_EQ(get("/merged.xml", "If-None-Match: " + old_snapshot->etag + "\r\n").result_int(), 200u);
}

// A page rendered on demand: nothing is rendered until a client asks; the first request waits for
// the rendering (published later, from the loop, as the daemon's worker does) and gets it;
// requests within max_age share it; a request after max_age has it rendered again; requests that
// arrive together share one rendering.
TEST_F(HttpServerTest, AnOnDemandPageIsRenderedWhenAskedForAndSharedWithinItsMaxAge) {
    start();
    int renders = 0;
    server->on_demand("/status", 300ms, [&] {
        ++renders;
        asio::post(io, [&, n = renders] {
            server->publish("/status", make_snapshot("render " + std::to_string(n) + "\n", kModified, "text/plain"));
        });
    });
    EXPECT_EQ(renders, 0);
    const HttpResponse first = get("/status");
    EXPECT_EQ(first.result_int(), 200u);
    EXPECT_EQ(first.body(), "render 1\n");
    EXPECT_EQ(get("/status").body(), "render 1\n");
    EXPECT_EQ(renders, 1);

    std::this_thread::sleep_for(400ms);
    const std::string two = "GET /status HTTP/1.1\r\nHost: x\r\n\r\n";
    auto a = asio::co_spawn(io, exchange_coro(two, {false}, false), asio::use_future);
    auto b = asio::co_spawn(io, exchange_coro(two, {false}, false), asio::use_future);
    const Exchange first_of_two = wait(std::move(a));
    const Exchange second_of_two = wait(std::move(b));
    ASSERT_EQ(first_of_two.responses.size(), 1u);
    ASSERT_EQ(second_of_two.responses.size(), 1u);
    EXPECT_EQ(first_of_two.responses[0].body(), "render 2\n");
    EXPECT_EQ(second_of_two.responses[0].body(), "render 2\n");
    EXPECT_EQ(renders, 2);
    EXPECT_EQ(get("/elsewhere").result_int(), 404u);
}

// Declared and not rendered yet, a HEAD still has the page rendered; a rendering that publishes at
// once (from inside the call) answers without waiting.
TEST_F(HttpServerTest, AnOnDemandPagePublishedAtOnceIsServedAtOnce) {
    start();
    server->on_demand("/metrics", 0ms,
                      [&] { server->publish("/metrics", make_snapshot("up 1\n", kModified, "text/plain")); });
    const auto started = steady_clock::now();
    const Exchange e = exchange("HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n", {true});
    ASSERT_EQ(e.responses.size(), 1u);
    EXPECT_EQ(e.responses[0].result_int(), 200u);
    EXPECT_EQ(field(e.responses[0], http::field::content_length), "5");
    EXPECT_LT(steady_clock::now() - started, 2s);
}

// Cache-Control comes with the snapshot: the daemon sets max-age from the output's feeds.
TEST_F(HttpServerTest, CacheControlIsTheSnapshots) {
    start();
    snapshot = make_snapshot(feed_body("cc"), kModified, "application/feed+json; charset=utf-8", "public, max-age=900");
    server->publish("/merged.json", snapshot);
    const HttpResponse res = get("/merged.json");
    EXPECT_EQ(field(res, http::field::cache_control), "public, max-age=900");
    EXPECT_EQ(field(res, http::field::content_type), "application/feed+json; charset=utf-8");
}

// A feed rendered again with nothing new is the same representation: it keeps its Last-Modified,
// so If-Modified-Since still gets a 304.
TEST_F(HttpServerTest, RepublishingTheSameBytesKeepsLastModified) {
    start();
    publish_feed(feed_body("same"));
    server->publish("/merged.xml", make_snapshot(feed_body("same"), kModified + 1h));
    const HttpResponse res = get("/merged.xml", "If-Modified-Since: Mon, 29 Dec 2025 11:02:17 GMT\r\n");
    EXPECT_EQ(res.result_int(), 304u);
    EXPECT_EQ(field(get("/merged.xml"), http::field::last_modified), "Mon, 29 Dec 2025 11:02:17 GMT");
    server->publish("/merged.xml", make_snapshot(feed_body("changed"), kModified + 1h));
    EXPECT_EQ(field(get("/merged.xml"), http::field::last_modified), "Mon, 29 Dec 2025 12:02:17 GMT");
}

// HEAD describes the representation GET would send: the gzip one's tag and length, no body.
TEST_F(HttpServerTest, HeadOfTheGzipRepresentationHasItsTagAndLength) {
    start();
    publish_feed(feed_body("head gzip"));
    const Exchange e = exchange(
        "HEAD /merged.xml HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n"
        "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
        {true, false});
    ASSERT_EQ(e.responses.size(), 2u);
    EXPECT_EQ(field(e.responses[0], http::field::etag), snapshot->gzip_etag);
    EXPECT_NE(snapshot->gzip_etag, snapshot->etag);
    EXPECT_EQ(field(e.responses[0], http::field::content_length), std::to_string(snapshot->gzip_body.size()));
    EXPECT_EQ(field(e.responses[0], http::field::content_encoding), "gzip");
    EXPECT_EQ(e.responses[1].body(), "ok\n");
}

TEST_F(HttpServerTest, KeepAliveServesPipelinedRequestsOnOneConnection) {
    start();
    publish_feed(feed_body("keepalive"));
    const std::string one = "GET /merged.xml HTTP/1.1\r\nHost: x\r\n\r\n";
    Exchange e = exchange(one + one + one, {false, false, false});
    ASSERT_EQ(e.responses.size(), 3u);
    for (const HttpResponse& res : e.responses) {
        EXPECT_EQ(res.body(), snapshot->body);
        EXPECT_TRUE(res.keep_alive());
    }
    EXPECT_EQ(server->connection_count(), 1u);
    e.socket->close();
    EXPECT_TRUE(run_until([&] { return server->connection_count() == 0; }));
}

// The server parses a header from what it has already read and reads on only when the header is
// incomplete: a request that arrives in pieces on a kept-alive connection is still answered whole.
TEST_F(HttpServerTest, KeepAliveRequestArrivingInPiecesIsAnsweredWhole) {
    start();
    publish_feed(feed_body("pieces"));
    Exchange e = exchange("GET /merged.xml HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(e.responses.at(0).keep_alive());
    trickle(e.socket, "GET /merged.xml HTTP/1.1\r\nHost: x\r\nIf-None-Match: " + snapshot->etag + "\r\n\r\n", 2ms);
    HttpResponse res;
    beast::flat_buffer buffer;
    wait(asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { co_await http::async_read(*e.socket, buffer, res, asio::use_awaitable); },
        asio::use_future));
    EXPECT_EQ(res.result(), http::status::not_modified);
    EXPECT_EQ(res[http::field::etag], snapshot->etag);
    EXPECT_EQ(server->connection_count(), 1u);
}

TEST_F(HttpServerTest, Http10WithoutKeepAliveIsClosed) {
    start();
    const Exchange e = exchange("GET /healthz HTTP/1.0\r\n\r\n", {false}, true);
    EXPECT_EQ(e.responses.at(0).body(), "ok\n");
    EXPECT_EQ(e.responses.at(0).version(), 10u);
    EXPECT_TRUE(e.closed_by_server);
}

TEST_F(HttpServerTest, SilentNewConnectionIsClosedAtTheHeaderTimeout) {
    HttpLimits limits;
    limits.header_timeout = 300ms;
    limits.idle_timeout = 60s;  // not what a fresh connection waits under
    start(limits);
    const auto connected = steady_clock::now();
    const auto socket = open_silent();
    const auto closed = closed_by_server_within(*socket, 5s);
    ASSERT_TRUE(closed) << "a connection that never sent a byte was kept open";
    EXPECT_GE(*closed - connected, 300ms);
    EXPECT_TRUE(run_until([&] { return server->connection_count() == 0; }));
    EXPECT_EQ(server->evicted_count(), 0u);
}

// The header deadline is one total from accept: every byte arriving on time
// must not buy the client more time.
TEST_F(HttpServerTest, TricklingClientIsClosedAtTheHeaderTimeout) {
    HttpLimits limits;
    limits.header_timeout = 500ms;
    limits.idle_timeout = 60s;
    start(limits);
    const auto connected = steady_clock::now();
    const auto socket = open_silent();
    trickle(socket, kEndlessHeader, 50ms);
    const auto closed = closed_by_server_within(*socket, 5s);
    ASSERT_TRUE(closed) << "a client sending a byte every 50 ms kept its connection past the header deadline";
    EXPECT_GE(*closed - connected, 500ms);
    EXPECT_LT(*closed - connected, 3s);
}

TEST_F(HttpServerTest, IdleKeepAliveConnectionIsClosedAtTheIdleTimeout) {
    HttpLimits limits;
    limits.idle_timeout = 300ms;
    limits.header_timeout = 60s;
    start(limits);
    Exchange e = exchange(std::string(kPing));
    ASSERT_EQ(e.responses.at(0).body(), "ok\n");
    ASSERT_TRUE(e.responses.at(0).keep_alive());
    const auto answered = steady_clock::now();
    const auto closed = closed_by_server_within(*e.socket, 5s);
    ASSERT_TRUE(closed) << "an idle keep-alive connection outlived idle_timeout";
    // The server's clock starts once it has written the answer, a little before this client
    // has read it.
    EXPECT_GE(*closed - answered, 250ms);
    EXPECT_TRUE(run_until([&] { return server->connection_count() == 0; }));
}

// Between requests a keep-alive client waits under idle_timeout, not under
// the (shorter) header deadline; that starts with the next request's first byte.
TEST_F(HttpServerTest, KeepAlivePauseLongerThanTheHeaderTimeoutIsFine) {
    HttpLimits limits;
    limits.idle_timeout = 30s;
    limits.header_timeout = 200ms;
    start(limits);
    Exchange e = exchange(std::string(kPing));
    ASSERT_TRUE(e.responses.at(0).keep_alive());
    ASSERT_FALSE(closed_by_server_within(*e.socket, 800ms)) << "closed while idle, before idle_timeout";
    EXPECT_EQ(request_on(e.socket, kPing).body(), "ok\n");
}

TEST_F(HttpServerTest, KeepAliveRequestTricklingInGetsTheHeaderTimeoutFromItsFirstByte) {
    HttpLimits limits;
    limits.idle_timeout = 30s;
    limits.header_timeout = 500ms;
    start(limits);
    Exchange e = exchange(std::string(kPing));
    ASSERT_TRUE(e.responses.at(0).keep_alive());
    const auto first_byte = steady_clock::now();
    trickle(e.socket, kEndlessHeader, 50ms);
    const auto closed = closed_by_server_within(*e.socket, 5s);
    ASSERT_TRUE(closed) << "a trickled second request kept the connection past the header deadline";
    EXPECT_GE(*closed - first_byte, 500ms);
    EXPECT_LT(*closed - first_byte, 3s);
}

// The victim is the connection waiting longest for a request, whether it is
// fresh or kept alive, and not the one accepted first.
TEST_F(HttpServerTest, AtTheCapTheLongestWaitingConnectionMakesRoom) {
    HttpLimits limits;
    limits.max_connections = 3;
    limits.header_timeout = 60s;  // only eviction closes anything here
    limits.idle_timeout = 60s;
    start(limits);
    const auto a = open_silent();
    const auto b = open_silent();
    const auto c = open_silent();
    ASSERT_EQ(request_on(b, kPing).body(), "ok\n");  // b waits again, now the most recent
    ASSERT_EQ(server->connection_count(), 3u);

    Exchange d = exchange(std::string(kPing));
    EXPECT_EQ(d.responses.at(0).body(), "ok\n");
    EXPECT_TRUE(closed_by_server_within(*a, 5s)) << "the connection waiting longest (a) was not the one closed";
    EXPECT_EQ(server->evicted_count(), 1u);

    Exchange e = exchange(std::string(kPing));
    EXPECT_EQ(e.responses.at(0).body(), "ok\n");
    EXPECT_TRUE(closed_by_server_within(*c, 5s)) << "c, silent since accept, should have gone before b";
    EXPECT_EQ(server->evicted_count(), 2u);
    EXPECT_EQ(request_on(b, kPing).body(), "ok\n");
    EXPECT_EQ(server->connection_count(), 3u);
}

// Requests waiting for a page to be rendered may be closed to make room, like idle connections: a
// crowd asking for the status page at the cap does not lock a feed reader out.
TEST_F(HttpServerTest, RequestsWaitingForARenderingMakeRoomForAFeedReader) {
    HttpLimits limits;
    limits.max_connections = 3;
    limits.header_timeout = 60s;
    limits.idle_timeout = 60s;
    start(limits);
    publish_feed(feed_body("reader"));
    int renders = 0;
    server->on_demand("/status", 60s, [&] { ++renders; });  // published only at the end
    const auto a = open_silent();
    const auto b = open_silent();
    const auto c = open_silent();
    for (const auto& socket : {a, b, c})
        asio::async_write(*socket, asio::buffer(std::string_view("GET /status HTTP/1.1\r\nHost: x\r\n\r\n")),
                          [](beast::error_code, std::size_t) {});
    ASSERT_TRUE(run_until([&] { return renders == 1; }));
    const auto settled = steady_clock::now() + 200ms;  // the other two read and waiting as well
    run_until([&] { return steady_clock::now() > settled; });
    EXPECT_EQ(renders, 1);  // one rendering for the three

    const HttpResponse feed = get("/merged.xml");
    EXPECT_EQ(feed.result_int(), 200u);
    EXPECT_EQ(feed.body(), snapshot->body);
    EXPECT_EQ(server->evicted_count(), 1u);
    server->publish("/status", make_snapshot("up\n", kModified, "text/plain"));
    EXPECT_EQ(request_on(c, "GET /status HTTP/1.1\r\nHost: x\r\n\r\n").body(), "up\n");
}

// A connection in the middle of sending a response is not abandoned for a
// newcomer that has asked nothing yet: at a cap of busy connections the
// newcomer is the one closed.
TEST_F(HttpServerTest, ConnectionSendingAResponseIsNotEvicted) {
    HttpLimits limits;
    limits.max_connections = 1;
    start(limits);
    publish_feed(std::string(8u << 20, 'x'));

    // A small receive window keeps the response from fitting in socket buffers,
    // so the server is still writing while we do not read.
    auto reader = std::make_shared<tcp::socket>(io);
    reader->open(tcp::v4());
    reader->set_option(asio::socket_base::receive_buffer_size(4096));
    reader->connect(endpoint());
    const std::string request = "GET /merged.xml HTTP/1.1\r\nHost: x\r\n\r\n";
    asio::write(*reader, asio::buffer(request));
    ASSERT_TRUE(run_until([&] { return reader->available() > 0; }));

    const Exchange newcomer = exchange(std::string(kPing), {}, true);
    EXPECT_TRUE(newcomer.closed_by_server);
    EXPECT_EQ(server->evicted_count(), 0u);

    auto read_all = [](std::shared_ptr<tcp::socket> socket) -> asio::awaitable<HttpResponse> {
        beast::flat_buffer buffer;
        http::response_parser<http::string_body> parser;
        parser.body_limit(64u << 20);
        co_await http::async_read(*socket, buffer, parser, asio::use_awaitable);
        co_return parser.release();
    };
    const HttpResponse res = wait(asio::co_spawn(io, read_all(reader), asio::use_future));
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_EQ(res.body().size(), snapshot->body.size());
}

TEST_F(HttpServerTest, ClientDisconnectingMidResponseHurtsNothing) {
    start();
    std::string big;
    for (std::uint64_t i = 0; big.size() < (16u << 20); ++i) big += "<item>" + std::to_string(i * 7919) + "</item>\n";
    publish_feed(big);
    for (int round = 0; round < 3; ++round) EXPECT_GT(wait(asio::co_spawn(io, abandon_coro(), asio::use_future)), 0u);
    EXPECT_TRUE(run_until([&] { return server->connection_count() == 0; }));
    EXPECT_EQ(get("/healthz").body(), "ok\n");
    EXPECT_EQ(get("/merged.xml").body().size(), big.size());
}

TEST_F(HttpServerTest, StartFailsWhenThePortIsTaken) {
    start();
    HttpServer second(io, "127.0.0.1", server->port());
    const auto result = second.start();
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().kind, ErrorKind::Io);
    EXPECT_TRUE(result.error().message.starts_with(
        "publish: cannot listen on 127.0.0.1:" + std::to_string(server->port()) + ": "))
        << result.error().message;
}

TEST_F(HttpServerTest, StartFailsOnAnUnusableAddress) {
    server = std::make_unique<HttpServer>(io, "192.0.2.1", 0);  // TEST-NET-1: not ours
    const auto result = server->start();
    ASSERT_FALSE(result.has_value());
    EXPECT_TRUE(result.error().message.starts_with("publish: cannot listen on 192.0.2.1:0: "))
        << result.error().message;
}

// The daemon's shape: io.run() on the loop thread, stop() posted to it while a
// keep-alive connection is open; run() must then return by itself.
TEST_F(HttpServerTest, StopLetsRunReturn) {
    start();
    publish_feed(feed_body("stop"));
    std::promise<void> returned;
    std::future<void> run_returned = returned.get_future();
    std::thread loop([&] {
        io.run();
        returned.set_value();
    });

    asio::io_context client_io;
    tcp::socket socket(client_io);
    beast::error_code ec;
    socket.connect(endpoint(), ec);
    EXPECT_FALSE(ec) << ec.message();  // no ASSERT while the loop thread runs
    const std::string req = "GET /merged.xml HTTP/1.1\r\nHost: x\r\n\r\n";
    if (!ec) asio::write(socket, asio::buffer(req), ec);
    EXPECT_FALSE(ec) << ec.message();

    // Read the response on the client's own loop, bounded by run_for.
    beast::flat_buffer buffer;
    HttpResponse res;
    bool got = false;
    http::async_read(socket, buffer, res, [&](beast::error_code e, std::size_t) { got = !e; });
    client_io.run_for(kDeadline);
    EXPECT_TRUE(got);
    EXPECT_EQ(res.body(), snapshot->body);

    asio::post(io, [&] { server->stop(); });
    const bool stopped = run_returned.wait_for(kDeadline) == std::future_status::ready;
    if (!stopped) io.stop();
    loop.join();
    ASSERT_TRUE(stopped) << "io.run() did not return after stop()";
    EXPECT_EQ(server->connection_count(), 0u);

    // The server closed our keep-alive connection.
    char byte = 0;
    socket.read_some(asio::buffer(&byte, 1), ec);
    EXPECT_EQ(ec, asio::error::eof);
}

}  // namespace
}  // namespace tributary::publish
