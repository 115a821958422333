// Issue 13: SIGHUP through the real binary. The daemon logs what changed on one line (feeds and
// outputs added, removed and changed by key, listen), a fetch running during the reload is not
// lost, and a new listen address serves at once while the old one stops.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "process.hpp"
#include "support/test_http_server.hpp"

namespace tributary::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path kFixtures = fs::path(TRIBUTARY_FIXTURES_DIR) / "arabic";
const fs::path kBinary = TRIBUTARY_BINARY;

// A listening socket on 127.0.0.1 and a free port; close() frees the port for the daemon.
class LocalPort {
public:
    LocalPort() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 1) != 0)
            throw std::runtime_error("cannot bind a local port");
        socklen_t length = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &length);
        port_ = ntohs(addr.sin_port);
    }
    ~LocalPort() { close(); }
    LocalPort(const LocalPort&) = delete;
    LocalPort& operator=(const LocalPort&) = delete;
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    std::uint16_t port() const { return port_; }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

class Reload : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("tributary-reload-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        server_.serve_file("/lequipe.rss", kFixtures / "lequipe-news.rss", "application/rss+xml; charset=utf-8");
        server_.serve_file("/sahel.atom", kFixtures / "sahel-press.atom", "application/atom+xml");
        server_.serve_file("/akhbar.rss", kFixtures / "akhbar-maghreb-windows1256.rss", "application/rss+xml");
    }
    void TearDown() override {
        if (!HasFailure()) fs::remove_all(dir_);
    }

    static std::string daemon_section(const std::string& listen = "127.0.0.1:0", const std::string& title = "One") {
        return "[daemon]\ndatabase = tributary.db\nlisten = " + listen +
               "\ninterval = 1h\nallow_private = yes\nlog_level = debug\nstartup_spread = 1s\nmin_host_spacing = 0\n"
               "[output merged]\npath = out/merged.xml\nurl = /merged.xml\ntitle = " +
               title + "\n";
    }
    std::string feed(const std::string& name, const std::string& path, const std::string& extra = {}) const {
        return "[feed " + name + "]\nurl = " + server_.url(path) + "\n" + extra;
    }
    void write_config(const std::string& text) const { std::ofstream(dir_ / "feeds.conf", std::ios::trunc) << text; }

    static std::uint16_t port_of(const ChildProcess& daemon) { return served_port(daemon.log()); }

    fs::path dir_;
    TestHttpServer server_;
};

TEST_F(Reload, FeedsAddedRemovedAndChangedAreOneLineAndAFetchInFlightIsKept) {
    server_.route("/slow.atom", [](const RecordedRequest&) {
        return Response{.status = 200,
                        .headers = {{"Content-Type", "application/atom+xml"}},
                        .body = read_file(kFixtures / "sahel-press.atom"),
                        .delay = 3s};
    });
    write_config(daemon_section() + feed("alpha", "/slow.atom") + feed("beta", "/lequipe.rss"));
    ChildProcess daemon(kBinary, {"-c", (dir_ / "feeds.conf").string(), "run"}, dir_ / "run.log");
    ASSERT_TRUE(daemon.wait_for_log("feed=alpha fetching", 20s)) << daemon.log();

    // alpha changes (its fetch is running), beta goes, gamma comes.
    write_config(daemon_section() + feed("alpha", "/slow.atom", "interval = 2h\ntags = x\n") +
                 feed("gamma", "/akhbar.rss"));
    daemon.signal(SIGHUP);
    ASSERT_TRUE(
        daemon.wait_for_log("reload: feeds +1 -1 ~1 (+gamma; -beta; alpha: tags, interval); 2 feeds active", 10s))
        << daemon.log();
    // The slow answer arrives after the reload: stored, not dropped.
    ASSERT_TRUE(daemon.wait_for_log("feed=alpha fetched in", 15s)) << daemon.log();
    ASSERT_TRUE(daemon.wait_for_log("feed=gamma fetched in", 15s)) << daemon.log();
    daemon.signal(SIGTERM);
    ASSERT_TRUE(daemon.wait(20s).has_value()) << daemon.log();
    const fs::path db = dir_ / "tributary.db";
    EXPECT_NE(query(db, "SELECT count(*) FROM items i JOIN feeds f ON f.id = i.feed_id WHERE f.name = 'alpha'")[0][0],
              "0");
    // Nothing changed: said so.
    EXPECT_EQ(daemon.log().find("reload: 0 feeds"), std::string::npos);
}

TEST_F(Reload, AnOutputChangeIsNamedAndRepublished) {
    write_config(daemon_section("127.0.0.1:0", "One") + feed("beta", "/lequipe.rss"));
    ChildProcess daemon(kBinary, {"-c", (dir_ / "feeds.conf").string(), "run"}, dir_ / "run.log");
    ASSERT_TRUE(daemon.wait_for_log("feed=beta fetched in", 20s)) << daemon.log();
    const std::uint16_t port = port_of(daemon);
    ASSERT_NE(port, 0) << daemon.log();

    write_config(daemon_section("127.0.0.1:0", "Two") + feed("beta", "/lequipe.rss"));
    daemon.signal(SIGHUP);
    ASSERT_TRUE(daemon.wait_for_log("reload: feeds +0 -0 ~0, outputs +0 -0 ~1 (merged: title); 1 feeds active", 10s))
        << daemon.log();
    std::string body;
    for (int attempt = 0; attempt < 100; ++attempt) {
        body = http_get(port, "/merged.xml").body;
        if (body.find("<title>Two</title>") != std::string::npos) break;
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_NE(body.find("<title>Two</title>"), std::string::npos) << body;
    daemon.signal(SIGTERM);
    ASSERT_TRUE(daemon.wait(20s).has_value()) << daemon.log();
}

TEST_F(Reload, ANewListenAddressServesAtOnceAndTheOldOneStops) {
    write_config(daemon_section() + feed("beta", "/lequipe.rss"));
    ChildProcess daemon(kBinary, {"-c", (dir_ / "feeds.conf").string(), "run"}, dir_ / "run.log");
    ASSERT_TRUE(daemon.wait_for_log("feed=beta fetched in", 20s)) << daemon.log();
    const std::uint16_t old_port = port_of(daemon);
    ASSERT_NE(old_port, 0) << daemon.log();
    std::string before;
    for (int attempt = 0; attempt < 100 && before.find("<item>") == std::string::npos; ++attempt) {
        before = http_get(old_port, "/merged.xml").body;
        std::this_thread::sleep_for(50ms);
    }

    LocalPort fresh;
    const std::uint16_t new_port = fresh.port();
    fresh.close();
    const std::string address = "127.0.0.1:" + std::to_string(new_port);
    write_config(daemon_section(address) + feed("beta", "/lequipe.rss"));
    daemon.signal(SIGHUP);
    ASSERT_TRUE(
        daemon.wait_for_log("reload: feeds +0 -0 ~0, listen 127.0.0.1:0 -> " + address + "; 1 feeds active", 10s))
        << daemon.log();
    // The new address serves the same bytes at once (no 503 while re-rendering); the old is closed.
    const HttpAnswer answer = http_get(new_port, "/merged.xml");
    EXPECT_EQ(answer.status, 200) << answer.head;
    EXPECT_EQ(answer.body, before);
    EXPECT_EQ(http_get(new_port, "/healthz").status, 200);
    EXPECT_THROW(http_get(old_port, "/merged.xml"), std::exception);

    daemon.signal(SIGTERM);
    const auto status = daemon.wait(20s);
    ASSERT_TRUE(status.has_value()) << daemon.log();
    EXPECT_EQ(*status, 0) << daemon.log();
}

TEST_F(Reload, ATakenListenAddressKeepsTheOldOneServing) {
    write_config(daemon_section() + feed("beta", "/lequipe.rss"));
    ChildProcess daemon(kBinary, {"-c", (dir_ / "feeds.conf").string(), "run"}, dir_ / "run.log");
    ASSERT_TRUE(daemon.wait_for_log("feed=beta fetched in", 20s)) << daemon.log();
    const std::uint16_t old_port = port_of(daemon);
    ASSERT_NE(old_port, 0) << daemon.log();

    const LocalPort taken;  // someone else listens there
    write_config(daemon_section("127.0.0.1:" + std::to_string(taken.port())) + feed("beta", "/lequipe.rss"));
    daemon.signal(SIGHUP);
    ASSERT_TRUE(daemon.wait_for_log("still serving on 127.0.0.1:0)", 10s)) << daemon.log();
    EXPECT_EQ(http_get(old_port, "/healthz").status, 200);
    daemon.signal(SIGTERM);
    ASSERT_TRUE(daemon.wait(20s).has_value()) << daemon.log();
}

}  // namespace
}  // namespace tributary::testing
