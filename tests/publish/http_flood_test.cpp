// clang-format off
#include <utility>  // before any Asio header (GCC 12 coroutine bug)
// clang-format on

// The endpoint under connection floods: sockets that never send a request,
// or send it a byte at a time, and come straight back when dropped, must not
// keep a normal client from its answer; nor must running out of descriptors.

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "publish/http_server.hpp"

namespace tributary::publish {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono;

constexpr SysTime kModified = SysTime{seconds{1'767'006'137}};
constexpr std::size_t kIdleSockets = 2'000;
constexpr std::size_t kSlowSockets = 300;
constexpr milliseconds kTrickleEvery{300};
// The requirement is 1 s. To reach a client, the server must get through the
// attack's connections queued ahead of it, and a sanitizer build (unoptimised
// and instrumented) spends about ten times as long on each; there this test
// is about memory safety under churn, and the 1 s is the optimised build's.
#if defined(__SANITIZE_ADDRESS__)
constexpr milliseconds kAnswerWithin{5'000};
#else
constexpr milliseconds kAnswerWithin{1'000};
#endif
constexpr milliseconds kClientEvery{200};
constexpr seconds kClientFor{6};
// A request header that never ends: the slow sockets send it byte by byte.
constexpr std::string_view kSlowHeaderStart = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ";

std::string feed_body() {
    std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>flood</title>";
    for (int i = 0; i < 50; ++i) body += "<item><title>item " + std::to_string(i) + "</title></item>";
    body += "</channel></rss>\n";
    return body;
}

// Sets the soft open-file limit for the test's life (capped at the hard one).
class ScopedNofileLimit {
public:
    explicit ScopedNofileLimit(rlim_t soft) {
        ::getrlimit(RLIMIT_NOFILE, &saved_);
        rlimit changed = saved_;
        changed.rlim_cur = std::min(soft, saved_.rlim_max);
        ::setrlimit(RLIMIT_NOFILE, &changed);
    }
    ~ScopedNofileLimit() { ::setrlimit(RLIMIT_NOFILE, &saved_); }
    ScopedNofileLimit(const ScopedNofileLimit&) = delete;
    ScopedNofileLimit& operator=(const ScopedNofileLimit&) = delete;

    static rlim_t soft() {
        rlimit now{};
        ::getrlimit(RLIMIT_NOFILE, &now);
        return now.rlim_cur;
    }

private:
    rlimit saved_{};
};

class Fd {
public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

// A non-blocking socket connecting to 127.0.0.1:port, or -1 (errno says why).
int connect_nonblocking(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0 || errno == EINPROGRESS) return fd;
    const int saved = errno;
    ::close(fd);
    errno = saved;
    return -1;
}

// Holds `idle` connections that never send a byte and `slow` ones sending a
// request header a byte every kTrickleEvery without ever finishing it; what
// the server closes is opened again at once. Plain sockets and poll() on its
// own thread, so the attack shares nothing with the server's loop.
class Attacker {
public:
    Attacker(std::uint16_t port, std::size_t idle, std::size_t slow) : port_(port), slots_(idle + slow) {
        for (std::size_t i = idle; i < slots_.size(); ++i) slots_[i].slow = true;
    }
    ~Attacker() {
        for (Slot& slot : slots_)
            if (slot.fd >= 0) ::close(slot.fd);
    }
    Attacker(const Attacker&) = delete;
    Attacker& operator=(const Attacker&) = delete;

    void run(const std::stop_token& stop) {
        std::vector<pollfd> polled;
        std::vector<Slot*> owners;
        while (!stop.stop_requested()) {
            polled.clear();
            owners.clear();
            const auto now = steady_clock::now();
            for (Slot& slot : slots_) {
                if (slot.fd < 0) open(slot);  // the last attempt failed: try again
                if (slot.fd < 0) continue;
                if (slot.connected && slot.slow && now >= slot.next_byte) send_next_byte(slot, now);
                polled.push_back(pollfd{slot.fd, static_cast<short>(slot.connected ? POLLIN : POLLOUT), 0});
                owners.push_back(&slot);
            }
            if (::poll(polled.data(), polled.size(), 20) <= 0) continue;
            for (std::size_t i = 0; i < polled.size(); ++i)
                if (polled[i].revents != 0) on_ready(*owners[i], now);
        }
    }

    std::atomic<std::size_t> ever_connected{0};  // slots whose first connection completed
    std::atomic<std::size_t> open_now{0};        // sockets open (connected, or connecting again) right now
    std::atomic<std::uint64_t> reconnects{0};    // closed by the server and opened again
    std::atomic<std::uint64_t> slow_bytes{0};    // header bytes the slow sockets got out

private:
    struct Slot {
        int fd = -1;
        bool slow = false;
        bool connected = false;
        bool ever_connected = false;
        std::size_t sent = 0;
        steady_clock::time_point next_byte;
    };

    void open(Slot& slot) {
        slot.fd = connect_nonblocking(port_);
        slot.connected = false;
        slot.sent = 0;
        if (slot.fd >= 0) ++open_now;
    }

    void close(Slot& slot) {
        ::close(slot.fd);
        slot.fd = -1;
        --open_now;
    }

    void send_next_byte(Slot& slot, steady_clock::time_point now) {
        const char byte = slot.sent < kSlowHeaderStart.size() ? kSlowHeaderStart[slot.sent] : 'a';
        if (::send(slot.fd, &byte, 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1) {
            ++slot.sent;
            ++slow_bytes;
        }
        slot.next_byte = now + kTrickleEvery;
    }

    void on_ready(Slot& slot, steady_clock::time_point now) {
        if (!slot.connected) {
            int error = 0;
            socklen_t len = sizeof error;
            ::getsockopt(slot.fd, SOL_SOCKET, SO_ERROR, &error, &len);
            if (error != 0) return close(slot);
            slot.connected = true;
            slot.next_byte = now;
            if (!slot.ever_connected) ++ever_connected;
            slot.ever_connected = true;
            return;
        }
        char discard[512];
        const ssize_t n = ::recv(slot.fd, discard, sizeof discard, MSG_DONTWAIT);
        if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))) return;
        close(slot);
        ++reconnects;
        open(slot);
    }

    std::uint16_t port_;
    std::vector<Slot> slots_;
};

struct Answer {
    std::string bytes;  // the whole response, up to the server's close
    milliseconds took{};
    std::string failure;  // empty when the server answered and closed in time
};

// One request on a fresh connection ("Connection: close"), read to the end.
Answer fetch_once(std::uint16_t port, const std::string& request, milliseconds give_up_after) {
    const auto start = steady_clock::now();
    const auto deadline = start + give_up_after;
    Answer out;
    const auto finish = [&](std::string failure) {
        out.took = duration_cast<milliseconds>(steady_clock::now() - start);
        out.failure = std::move(failure);
        return out;
    };
    const auto ready = [&](int fd, short events) {
        for (;;) {
            const auto left = duration_cast<milliseconds>(deadline - steady_clock::now());
            if (left <= 0ms) return false;
            pollfd p{fd, events, 0};
            const int rc = ::poll(&p, 1, static_cast<int>(left.count()) + 1);
            if (rc > 0) return true;
            if (rc == 0 || errno != EINTR) return false;
        }
    };

    const Fd fd(connect_nonblocking(port));
    if (fd.get() < 0) return finish(std::string("connect: ") + std::strerror(errno));
    if (!ready(fd.get(), POLLOUT)) return finish("connect timed out");
    int error = 0;
    socklen_t len = sizeof error;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &len);
    if (error != 0) return finish(std::string("connect: ") + std::strerror(error));

    for (std::size_t sent = 0; sent < request.size();) {
        const ssize_t n = ::send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
        } else if (errno != EAGAIN && errno != EINTR) {
            return finish(std::string("send: ") + std::strerror(errno));
        } else if (!ready(fd.get(), POLLOUT)) {
            return finish("send timed out");
        }
    }
    for (;;) {
        if (!ready(fd.get(), POLLIN)) return finish("no complete answer in time");
        char chunk[16 * 1024];
        const ssize_t n = ::recv(fd.get(), chunk, sizeof chunk, 0);
        if (n > 0) {
            out.bytes.append(chunk, static_cast<std::size_t>(n));
        } else if (n == 0) {
            return finish("");
        } else if (errno != EAGAIN && errno != EINTR) {
            return finish(std::string("recv: ") + std::strerror(errno) + " after " + std::to_string(out.bytes.size()) +
                          " bytes");
        }
    }
}

// The daemon's shape: the server on a loop thread of its own, stopped through
// that loop. Its counters may be read once stop() has returned.
class ServerOnItsThread {
public:
    explicit ServerOnItsThread(HttpLimits limits) : server_(io_, "127.0.0.1", 0, limits) {}
    ~ServerOnItsThread() { stop(); }
    ServerOnItsThread(const ServerOnItsThread&) = delete;
    ServerOnItsThread& operator=(const ServerOnItsThread&) = delete;

    Result<void> start(const std::string& feed) {
        auto started = server_.start();
        if (!started) return started;
        server_.publish("/merged.xml", make_snapshot(feed, kModified));
        thread_ = std::thread([this] { io_.run(); });
        return {};
    }

    void stop() {
        if (!thread_.joinable()) return;
        asio::post(io_, [this] {
            server_.stop();
            guard_.reset();
        });
        thread_.join();
    }

    const HttpServer& server() const { return server_; }

private:
    asio::io_context io_{1};
    asio::executor_work_guard<asio::io_context::executor_type> guard_ = asio::make_work_guard(io_);
    HttpServer server_;
    std::thread thread_;
};

TEST(HttpFlood, NormalClientIsAnsweredWithinASecondWhileIdleAndSlowSocketsFlood) {
    const HttpLimits limits;  // the shipped defaults; the flood is several times max_connections
    const std::size_t attack = kIdleSockets + kSlowSockets;
    // The process holds both ends of every connection.
    const ScopedNofileLimit nofile(RLIM_INFINITY);
    const rlim_t needed = attack + limits.max_connections + 256;
    if (ScopedNofileLimit::soft() < needed)
        GTEST_SKIP() << "needs " << needed << " open files; the hard limit allows " << ScopedNofileLimit::soft();

    const std::string feed = feed_body();
    ServerOnItsThread http(limits);
    const auto started = http.start(feed);
    ASSERT_TRUE(started.has_value()) << started.error().message;
    const std::uint16_t port = http.server().port();

    Attacker attacker(port, kIdleSockets, kSlowSockets);
    std::jthread attack_thread([&](const std::stop_token& stop) { attacker.run(stop); });
    const auto ramp_deadline = steady_clock::now() + 10s;
    while (attacker.ever_connected < attack && steady_clock::now() < ramp_deadline) std::this_thread::sleep_for(20ms);
    EXPECT_EQ(attacker.ever_connected.load(), attack) << "the attack never got all its sockets connected";

    struct Target {
        std::string path;
        std::string body;
    };
    const Target targets[] = {{"/healthz", "ok\n"}, {"/merged.xml", feed}};
    std::vector<std::string> failures;
    milliseconds slowest{0};
    std::size_t asked = 0;
    std::size_t fewest_held = attack;
    const auto begin = steady_clock::now();
    int round = 0;
    for (; steady_clock::now() < begin + kClientFor; ++round) {
        std::this_thread::sleep_until(begin + round * kClientEvery);
        for (const Target& target : targets) {
            fewest_held = std::min(fewest_held, attacker.open_now.load());
            const Answer answer = fetch_once(
                port, "GET " + target.path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", kAnswerWithin + 4s);
            ++asked;
            slowest = std::max(slowest, answer.took);
            const std::string what = "round " + std::to_string(round) + " GET " + target.path + ": ";
            const std::size_t head_end = answer.bytes.find("\r\n\r\n");
            if (!answer.failure.empty()) {
                failures.push_back(what + answer.failure);
            } else if (!answer.bytes.starts_with("HTTP/1.1 200 OK\r\n") || head_end == std::string::npos) {
                failures.push_back(what + "not a 200: " + answer.bytes.substr(0, 80));
            } else if (answer.bytes.substr(head_end + 4) != target.body) {
                failures.push_back(what + "wrong body");
            } else if (answer.took > kAnswerWithin) {
                failures.push_back(what + "answered after " + std::to_string(answer.took.count()) + " ms");
            }
        }
    }
    attack_thread.request_stop();
    attack_thread.join();
    http.stop();

    EXPECT_GE(round, 2);
    EXPECT_TRUE(failures.empty()) << failures.size() << " of " << asked << " requests failed, e.g. " << failures.front()
                                  << (failures.size() > 1 ? "; " + failures.back() : "");
    EXPECT_LE(slowest, kAnswerWithin);
    // The attack really was there: it kept its sockets connected, and to reach
    // the normal client's connections the server had to go past all of them.
    EXPECT_GE(fewest_held, attack * 9 / 10);
    EXPECT_GE(http.server().evicted_count(), attack - limits.max_connections);
    EXPECT_GT(attacker.reconnects.load(), 0u);
    EXPECT_GT(attacker.slow_bytes.load(), kSlowSockets);
    std::printf("flood: %zu requests, slowest %lld ms; %llu evictions, %llu reconnects, at least %zu sockets held\n",
                asked, static_cast<long long>(slowest.count()),
                static_cast<unsigned long long>(http.server().evicted_count()),
                static_cast<unsigned long long>(attacker.reconnects.load()), fewest_held);
}

// Out of descriptors, accept fails (EMFILE) while clients queue up. Closing
// the longest-idle connection frees one, and the client gets its answer at
// once, not after sleeps while the listen queue fills.
TEST(HttpFdExhaustion, AcceptOutOfDescriptorsClosesTheLongestIdleConnection) {
#if defined(__SANITIZE_ADDRESS__)
    // The sanitizers' runtime needs descriptors of its own (UBSan's vptr check probes memory
    // through a pipe), so with none left it reports errors that are not ours. The release
    // build runs this test.
    GTEST_SKIP() << "out of descriptors is not testable under the sanitizers";
#endif
    asio::io_context io{1};
    HttpServer server(io, "127.0.0.1", 0);
    ASSERT_TRUE(server.start().has_value());
    const tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), server.port());
    const auto run_until = [&](auto done) {
        const auto deadline = steady_clock::now() + 10s;
        while (!done()) {
            if (steady_clock::now() > deadline) return false;
            if (io.stopped()) io.restart();
            io.run_one_for(20ms);
        }
        return true;
    };

    tcp::socket oldest(io);
    oldest.connect(endpoint);
    ASSERT_TRUE(run_until([&] { return server.connection_count() == 1; }));
    tcp::socket younger(io);
    younger.connect(endpoint);
    ASSERT_TRUE(run_until([&] { return server.connection_count() == 2; }));

    // Leave exactly one descriptor free: the client's. The server's accept
    // then finds none.
    std::vector<Fd> fillers;
    {
        int highest = 0;
        for (int probe = 0; probe < 4096; ++probe)
            if (::fcntl(probe, F_GETFD) != -1) highest = probe;
        const ScopedNofileLimit low(static_cast<rlim_t>(highest) + 32);
        for (;;) {
            Fd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
            if (fd.get() < 0) break;
            fillers.push_back(std::move(fd));
        }
        ASSERT_EQ(errno, EMFILE);
        fillers.pop_back();

        tcp::socket client(io);
        client.connect(endpoint);
        const std::string ping = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        asio::write(client, asio::buffer(ping));
        std::string response;
        bool done = false;
        asio::async_read(client, asio::dynamic_buffer(response),
                         [&](boost::system::error_code, std::size_t) { done = true; });
        EXPECT_TRUE(run_until([&] { return done; })) << "no answer while out of descriptors";
        EXPECT_TRUE(response.starts_with("HTTP/1.1 200 OK\r\n")) << response;
        EXPECT_TRUE(response.ends_with("\r\n\r\nok\n")) << response;
        if (!done) {
            client.close();
            run_until([&] { return done; });
        }
        fillers.clear();
    }
    EXPECT_EQ(server.evicted_count(), 1u);

    boost::system::error_code oldest_ec;
    bool oldest_done = false;
    char byte = 0;
    oldest.async_read_some(asio::buffer(&byte, 1), [&](boost::system::error_code ec, std::size_t) {
        oldest_ec = ec;
        oldest_done = true;
    });
    EXPECT_TRUE(run_until([&] { return oldest_done; }));
    EXPECT_EQ(oldest_ec, asio::error::eof) << "the longest-idle connection should have made room";
    oldest.close();

    // The younger one is still served.
    asio::write(younger, asio::buffer(std::string_view("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")));
    std::string answer;
    bool answered = false;
    asio::async_read_until(younger, asio::dynamic_buffer(answer), "\r\n\r\nok\n",
                           [&](boost::system::error_code, std::size_t) { answered = true; });
    EXPECT_TRUE(run_until([&] { return answered; }));
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 OK\r\n")) << answer;
    if (!answered) {
        younger.close();
        run_until([&] { return answered; });
    }
}

}  // namespace
}  // namespace tributary::publish
