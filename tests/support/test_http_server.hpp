#pragma once
// A real HTTP/1.1 server for tests (STYLE.md F): listens on 127.0.0.1 on a port the
// kernel picks, runs on its own thread (Boost.Beast), keeps connections alive, records
// every request and answers from routes the test registers. Unknown paths get 404.
//
//     TestHttpServer server;
//     server.route("/feed.xml", [](const RecordedRequest&) {
//         return Response{.status = 200, .headers = {{"Content-Type", "application/rss+xml"}}, .body = "<rss/>"};
//     });
//     fetch(server.url("/feed.xml"));
//
// Handlers run on the server's thread; they may be registered before or while it runs.
//
// Misbehaving servers, for the fetch tests, are expressed with Response::mode (how the
// bytes are delivered) and Response::gzip (what the bytes are):
//   normal         status line, headers, Content-Length, body; keep-alive as the client asks.
//   slow           headers at once, then the body `chunk_bytes` at a time every `chunk_interval`.
//   stall          headers and the first `chunk_bytes` of the body (Content-Length says the whole
//                  body), then nothing more until the client hangs up or the server stops.
//   close_mid_body headers with the whole body's Content-Length, half of the body, then close.
//   raw            `body` is written verbatim as the whole response (status line and headers
//                  included: write them yourself), then the connection is closed.
//   endless        status line and headers with "Transfer-Encoding: chunked", then `body` as one
//                  chunk after another, forever, until the client hangs up or the server stops.
//   reset_mid_body headers with the whole body's Content-Length, half of the body, then the
//                  connection is reset (RST: SO_LINGER 0), not closed.
// `delay` waits that long before sending anything (any mode), e.g. a server that accepts
// but never answers: `.delay = 1h`. gzip = true compresses `body` and adds
// "Content-Encoding: gzip" (not in raw mode). Content-Length is computed unless the
// handler sets Content-Length or Transfer-Encoding itself (then it is sent as given).
// A handler that throws gets a 500 with the exception's text.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tributary::testing {

struct RecordedRequest {
    std::string method;
    std::string target;                          // as sent, query included
    std::map<std::string, std::string> headers;  // names lower-cased; repeated fields joined with ", "
    std::string body;                            // as received (a POST's form, say)
};

struct Response {
    enum class Mode { normal, slow, stall, close_mid_body, raw, endless, reset_mid_body };

    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    Mode mode = Mode::normal;
    bool gzip = false;
    std::chrono::milliseconds delay{0};             // before anything is sent
    std::chrono::milliseconds chunk_interval{100};  // slow
    std::size_t chunk_bytes = 1;                    // slow, stall
};

// gzip (RFC 1952) of `data` at the best compression: for canned compressed bodies
// such as a gzip bomb, computed once.
std::string gzip_compress(std::string_view data);

// "Sun, 06 Nov 1994 08:49:37 GMT" for a system_clock time (truncated to seconds).
std::string http_date(std::chrono::system_clock::time_point t);

class TestHttpServer {
public:
    TestHttpServer();  // listening on 127.0.0.1 when it returns
    // Listening on another local IPv4 address, e.g. "127.0.0.7": every 127.0.0.0/8 address is
    // loopback on Linux, so tests can give each server a host of its own.
    explicit TestHttpServer(std::string_view address);
    ~TestHttpServer();  // closes every connection and joins the thread
    TestHttpServer(const TestHttpServer&) = delete;
    TestHttpServer& operator=(const TestHttpServer&) = delete;

    std::uint16_t port() const;
    std::string url(std::string_view path) const;  // "http://<address>:<port><path>"

    // Exact match on the target without its query; a later route for a path replaces the earlier one.
    void route(std::string path, std::function<Response(const RecordedRequest&)> handler);

    // Serves `file` (read at each request, so a test may change it) with `content_type`, a strong
    // ETag (a hash of the content) and Last-Modified (the file's mtime), and answers 304 when
    // If-None-Match matches, or when there is no If-None-Match and If-Modified-Since is not older
    // than the file. A missing file is a 404.
    void serve_file(std::string path, std::filesystem::path file, std::string content_type);

    std::vector<RecordedRequest> requests() const;  // thread-safe copy, in arrival order
    int hits(std::string_view path) const;          // requests whose target without query is `path`

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace tributary::testing
