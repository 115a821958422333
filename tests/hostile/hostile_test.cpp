// The hostile-server suite (issue 4): one `tributary once` cycle, run by the real
// binary, against servers that misbehave on purpose (one mode per feed) next to good
// feeds from tests/fixtures/arabic. Every hostile feed must end in the database with a
// failure outcome and an error naming the cause, logged once as a warning naming the
// feed; the good feeds must be ingested and nothing stored before may be lost; the
// cycle's wall time must be bounded by the configured timeouts, not by the slowest
// server, and the daemon's peak RSS must stay bounded.
//
// Each hostile server listens on an address of its own in 127.0.0.0/8 (all loopback on
// Linux), so each feed is a host of its own: per-host politeness (connections per host,
// spacing between requests to one host) cannot serialise the hostile feeds behind each
// other, and one broken site is never on the same host as a good one.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <pugixml.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "process.hpp"
#include "support/test_http_server.hpp"

namespace tributary::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path kFixtures = fs::path(TRIBUTARY_FIXTURES_DIR) / "arabic";
const fs::path kBinary = TRIBUTARY_BINARY;

// The hostile cycle runs with connect_timeout 2s, timeout 5s, low_speed_time 3s (see
// Cycle::daemon_limits): every transfer ends within 5 s whatever the server does, so the
// whole cycle, start-up, parsing, the database and publishing included, fits well in 20 s.
constexpr auto kCycleWallLimit = 20s;
constexpr long kPeakRssLimitKiB = 200 * 1024;

// ------------------------------------------------------------------ helpers ---

using Rows = std::vector<std::vector<std::string>>;

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool contains_any(const std::string& text, const std::vector<std::string>& needles) {
    const std::string haystack = lower(text);
    return std::any_of(needles.begin(), needles.end(),
                       [&](const std::string& n) { return haystack.find(lower(n)) != std::string::npos; });
}

std::string joined(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "'" : " or '") + p + "'";
    return out;
}

bool valid_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = 0;
        if (c < 0x80)
            n = 0;
        else if ((c & 0xE0) == 0xC0 && c >= 0xC2)
            n = 1;
        else if ((c & 0xF0) == 0xE0)
            n = 2;
        else if ((c & 0xF8) == 0xF0 && c <= 0xF4)
            n = 3;
        else
            return false;
        if (n > 0 && i + n >= s.size()) return false;
        for (std::size_t k = 1; k <= n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        i += n + 1;
    }
    return true;
}

std::vector<std::string> log_lines(const std::string& log) {
    std::vector<std::string> lines;
    std::istringstream in(log);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// Warning lines that name `feed` ("feed=<name> ").
std::vector<std::string> warnings_for(const std::string& log, const std::string& feed) {
    std::vector<std::string> found;
    for (const std::string& line : log_lines(log))
        if (line.find("[warning]") != std::string::npos && line.find("feed=" + feed + " ") != std::string::npos)
            found.push_back(line);
    return found;
}

std::vector<std::string> merged_titles(const fs::path& file) {
    const std::string xml = read_file(file);
    pugi::xml_document doc;
    const auto parsed = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
    EXPECT_TRUE(parsed) << file << " is not well-formed XML: " << parsed.description() << " at offset "
                        << parsed.offset;
    std::vector<std::string> titles;
    for (const auto item : doc.child("rss").child("channel").children("item"))
        titles.emplace_back(item.child_value("title"));
    return titles;
}

// A run of the daemon: wall time from spawn to exit, and the daemon's peak resident set
// as /usr/bin/time -v reports it (its "Maximum resident set size", KiB).
//
// Why /usr/bin/time and not our own wait4(): posix_spawn starts the child with vfork
// semantics, and on exec the kernel folds the high-water RSS of the memory the child
// shared with us (this test process, with its 64 MiB gzip-bomb source) into the child's
// ru_maxrss. `time` is a small process, so the figure it gets from wait4 is the daemon's.
// Without /usr/bin/time (scripts/install-deps.sh installs it) we fall back to wait4 and
// say so: that figure is an upper bound.
struct Measured {
    std::optional<int> status;  // nullopt: killed at the limit
    std::chrono::duration<double> wall{0};
    long max_rss_kib = 0;
    std::string how;  // how max_rss_kib was measured
};

const fs::path kTimeProgram = "/usr/bin/time";

Measured run_measured(const fs::path& program, const std::vector<std::string>& args, const fs::path& log_file,
                      std::chrono::milliseconds limit) {
    const fs::path time_report = log_file.string() + ".time";
    const bool with_time = fs::exists(kTimeProgram);
    std::vector<std::string> command;
    if (with_time) command = {kTimeProgram.string(), "-v", "-o", time_report.string()};
    command.push_back(program.string());
    command.insert(command.end(), args.begin(), args.end());
    const auto started = std::chrono::steady_clock::now();
    // A group of its own, so that /usr/bin/time and the daemon are killed as one at the limit.
    const pid_t pid = spawn_logged(command, log_file, true);

    Measured out;
    const auto deadline = started + limit;
    int status = 0;
    rusage usage{};
    for (;;) {
        const pid_t r = ::wait4(pid, &status, WNOHANG, &usage);
        if (r == pid) {
            out.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            break;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(-pid, SIGKILL);
            ::wait4(pid, &status, 0, &usage);
            break;
        }
        // No event to block on for another process's exit; a short poll bounded by the deadline.
        std::this_thread::sleep_for(10ms);
    }
    out.wall = std::chrono::steady_clock::now() - started;
    if (with_time) {
        const std::string report = read_file(time_report);
        const std::string key = "Maximum resident set size (kbytes): ";
        if (const auto at = report.find(key); at != std::string::npos)
            out.max_rss_kib = std::stol(report.substr(at + key.size()));
        out.how = "/usr/bin/time -v";
    } else {
        out.max_rss_kib = usage.ru_maxrss;
        out.how = "wait4 ru_maxrss (upper bound: includes the test process's RSS at spawn)";
    }
    return out;
}

Response make_response(int status, std::string content_type, std::string body) {
    Response r;
    r.status = status;
    if (!content_type.empty()) r.headers.emplace_back("Content-Type", std::move(content_type));
    r.body = std::move(body);
    return r;
}

Response redirect(int status, std::string location) {
    Response r = make_response(status, "text/plain", "moved\n");
    r.headers.emplace_back("Location", std::move(location));
    return r;
}

std::string billion_laughs() {
    std::string doc = "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n  <!ENTITY lol \"lol\">\n";
    for (int level = 1; level <= 9; ++level) {
        doc += "  <!ENTITY lol" + std::to_string(level) + " \"";
        const std::string previous = level == 1 ? "lol" : "lol" + std::to_string(level - 1);
        for (int i = 0; i < 10; ++i) doc += "&" + previous + ";";
        doc += "\">\n";
    }
    doc +=
        "]>\n<rss version=\"2.0\"><channel><title>&lol9;</title><link>https://lol.example/</link>"
        "<description>&lol9;</description>\n<item><title>&lol9;</title><link>https://lol.example/1</link>"
        "<guid>lol-1</guid><description>&lol9;</description></item>\n</channel></rss>\n";
    return doc;
}

// `count` response headers of about 1000 bytes each.
void add_padding_headers(Response& r, int count) {
    for (int i = 0; i < count; ++i) r.headers.emplace_back("X-Padding-" + std::to_string(i), std::string(1000, 'p'));
}

std::string daemon_section(const std::string& extra) {
    return "[daemon]\ndatabase = tributary.db\nlisten = 127.0.0.1:0\ninterval = 1m\nallow_private = yes\n"
           "log_level = debug\nstartup_spread = 1s\n" +
           extra + "\n[output merged]\npath = out/merged.xml\nurl = /merged.xml\ntitle = hostile\nmax_items = 100\n";
}

std::string feed_section(const std::string& name, const std::string& url, const std::string& extra = {}) {
    return "\n[feed " + name + "]\nurl = " + url + "\n" + extra;
}

fs::path fresh_dir(const std::string& label) {
    const fs::path dir = fs::temp_directory_path() / ("tributary-hostile-" + std::to_string(::getpid()) + "-" + label);
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

// A listening socket whose accept queue is full and never drained: the kernel drops every
// further SYN, so a connection to it hangs until the client's connect timeout. (No HTTP
// server can play this part: it happens before any byte is exchanged.)
class FullBacklogListener {
public:
    explicit FullBacklogListener(const std::string& address) : address_(address) {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        if (listener_ < 0 || ::inet_pton(AF_INET, address.c_str(), &addr.sin_addr) != 1 ||
            ::bind(listener_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
            ::listen(listener_, 0) != 0)
            throw std::runtime_error("FullBacklogListener: cannot listen on " + address);
        socklen_t length = sizeof addr;
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &length);
        port_ = ntohs(addr.sin_port);
        // A backlog of 0 holds one connection; two more make sure it is full.
        for (int i = 0; i < 3; ++i) {
            const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
            if (fd < 0) throw std::runtime_error("FullBacklogListener: socket");
            fillers_.push_back(fd);
            (void)::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);  // EINPROGRESS
        }
        pollfd first{.fd = fillers_.front(), .events = POLLOUT, .revents = 0};
        (void)::poll(&first, 1, 1000);  // the first handshake completes at once on loopback
    }
    ~FullBacklogListener() {
        for (const int fd : fillers_) ::close(fd);
        if (listener_ >= 0) ::close(listener_);
    }
    FullBacklogListener(const FullBacklogListener&) = delete;
    FullBacklogListener& operator=(const FullBacklogListener&) = delete;

    std::string url(const std::string& path) const { return "http://" + address_ + ":" + std::to_string(port_) + path; }

private:
    std::string address_;
    int listener_ = -1;
    std::uint16_t port_ = 0;
    std::vector<int> fillers_;
};

// ------------------------------------------------------------- the cycle ---

// What each hostile feed must end as.
struct HostileCase {
    std::string feed;
    std::string outcome;              // feeds.last_outcome
    std::vector<std::string> causes;  // feeds.last_error contains one of these (case-insensitive)
    long http_status = -1;            // feeds.http_status; -1: not checked
};

const std::vector<HostileCase>& hostile_cases() {
    static const std::vector<HostileCase> cases{
        {"connect-blackhole", "timed_out", {"connect", "connection timed out"}, 0},
        {"slow-drip", "timed_out", {"timed out", "too slow"}, 200},
        {"stall", "timed_out", {"timed out", "too slow"}, 200},
        {"no-answer", "timed_out", {"timed out", "too slow"}, 0},
        {"endless-body", "too_large", {"exceeds the limit of 1048576 bytes"}, 200},
        {"gzip-bomb", "too_large", {"after decompression"}, 200},
        {"redirect-loop", "redirect_error", {"redirect loop", "redirects followed"}, -1},
        {"redirect-chain", "redirect_error", {"maximum (5) redirects", "too many redirects", "redirects followed"}, -1},
        {"redirect-file", "redirect_error", {"file:///etc/passwd"}, -1},
        {"redirect-private", "blocked", {"private address 127.0.0."}, 0},
        {"reset-mid-body", "network_error", {"reset"}, 200},
        {"closed-mid-body", "network_error", {"transfer closed", "partial"}, 200},
        {"too-many-requests", "http_error", {"HTTP 429"}, 429},
        {"unavailable", "http_error", {"HTTP 503"}, 503},
        {"server-error", "http_error", {"HTTP 500"}, 500},
        {"http-410", "gone", {"410"}, 410},  // 410 disables the feed: its own outcome
        {"html-page", "parse_error", {"<html>"}, 200},
        {"empty-body", "parse_error", {"empty"}, 200},
        {"huge-header", "too_large", {"header"}, -1},
    };
    return cases;
}

struct Cycle {
    fs::path dir;
    std::string gzip_bomb;  // before the servers: a handler reads it until they stop
    TestHttpServer good;    // 127.0.0.1: the three fixture feeds
    std::map<std::string, std::unique_ptr<TestHttpServer>> hostile;  // one host per feed
    FullBacklogListener blackhole{"127.0.0.9"};                      // connects hang
    std::time_t started_at = 0;                                      // wall clock just before the hostile cycle

    int first_status = -1;
    Rows items_before;  // feed, item_key, title
    std::vector<std::string> titles_before;

    Measured run;
    std::string log;

    Cycle() : dir(fresh_dir("cycle")) {}

    TestHttpServer& host(const std::string& feed) {
        auto& slot = hostile[feed];
        if (!slot) slot = std::make_unique<TestHttpServer>("127.0.0." + std::to_string(10 + hostile.size()));
        return *slot;
    }

    std::string good_feeds() const {
        return feed_section("akhbar", good.url("/akhbar.rss")) + feed_section("lequipe", good.url("/lequipe.rss")) +
               feed_section("sahel", good.url("/sahel.atom"));
    }

    std::string daemon_limits() const {
        // max_concurrent above the number of feeds: the cycle is bounded by one timeout,
        // not by a queue of them.
        return "connect_timeout = 2s\ntimeout = 5s\nlow_speed_limit = 1K\nlow_speed_time = 3s\nmax_body = 1M\n"
               "max_header = 16K\nmax_redirects = 5\nmax_concurrent = 32\nmax_per_host = 4\n";
    }

    void serve() {
        good.serve_file("/akhbar.rss", kFixtures / "akhbar-maghreb-windows1256.rss",
                        "application/rss+xml; charset=windows-1256");
        good.serve_file("/lequipe.rss", kFixtures / "lequipe-news.rss", "application/rss+xml; charset=utf-8");
        good.serve_file("/sahel.atom", kFixtures / "sahel-press.atom", "application/atom+xml");

        const std::string lequipe = read_file(kFixtures / "lequipe-news.rss");
        const std::string akhbar = read_file(kFixtures / "akhbar-maghreb-windows1256.rss");

        host("slow-drip").route("/feed", [lequipe](const RecordedRequest&) {
            Response r = make_response(200, "application/rss+xml", lequipe);
            r.mode = Response::Mode::slow;
            r.chunk_bytes = 1;
            r.chunk_interval = 200ms;  // 5 bytes a second, for 20 minutes
            return r;
        });
        host("stall").route("/feed", [lequipe](const RecordedRequest&) {
            Response r = make_response(200, "application/rss+xml", lequipe);
            r.mode = Response::Mode::stall;
            r.chunk_bytes = 100;
            return r;
        });
        host("no-answer").route("/feed", [](const RecordedRequest&) {
            Response r = make_response(200, "application/rss+xml", "<rss/>");
            r.delay = 1h;  // accepts, reads the request, never answers
            return r;
        });
        host("endless-body").route("/feed", [](const RecordedRequest&) {
            std::string chunk;
            for (int i = 0; i < 100; ++i) chunk += "<item><title>again and again</title></item>\n";
            Response r = make_response(200, "application/rss+xml", std::move(chunk));
            r.mode = Response::Mode::endless;
            return r;
        });
        // 64 MiB of feed-looking text in about 64 KiB: the body cap must count after decompression.
        gzip_bomb = gzip_compress("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>bomb</title>" +
                                  std::string(64u << 20, ' '));
        host("gzip-bomb").route("/feed", [this](const RecordedRequest&) {
            Response r = make_response(200, "application/rss+xml", gzip_bomb);
            r.headers.emplace_back("Content-Encoding", "gzip");
            return r;
        });
        {
            TestHttpServer& s = host("redirect-loop");
            s.route("/feed", [&s](const RecordedRequest&) { return redirect(302, s.url("/elsewhere")); });
            s.route("/elsewhere", [&s](const RecordedRequest&) { return redirect(302, s.url("/feed")); });
        }
        {
            TestHttpServer& s = host("redirect-chain");  // ten distinct hops, more than max_redirects
            for (int i = 0; i < 10; ++i) {
                const std::string next = s.url("/hop" + std::to_string(i + 1));
                s.route(i == 0 ? "/feed" : "/hop" + std::to_string(i),
                        [next](const RecordedRequest&) { return redirect(302, next); });
            }
            s.route("/hop10",
                    [lequipe](const RecordedRequest&) { return make_response(200, "application/rss+xml", lequipe); });
        }
        host("redirect-file").route("/feed", [](const RecordedRequest&) {
            return redirect(302, "file:///etc/passwd");
        });
        {
            // allow_private = no on this feed overrides the daemon's yes: the guard refuses the
            // loopback address when the socket is opened, so not even the first request is sent.
            const std::string target = good.url("/lequipe.rss");
            host("redirect-private").route("/feed", [target](const RecordedRequest&) { return redirect(302, target); });
        }
        host("reset-mid-body").route("/feed", [lequipe](const RecordedRequest&) {
            Response r = make_response(200, "application/rss+xml", lequipe);
            r.mode = Response::Mode::reset_mid_body;
            return r;
        });
        host("closed-mid-body").route("/feed", [lequipe](const RecordedRequest&) {
            Response r = make_response(200, "application/rss+xml", lequipe);
            r.mode = Response::Mode::close_mid_body;
            return r;
        });
        host("too-many-requests").route("/feed", [](const RecordedRequest&) {
            Response r = make_response(429, "text/plain", "slow down\n");
            r.headers.emplace_back("Retry-After", "120");
            return r;
        });
        const std::string in_an_hour = http_date(std::chrono::system_clock::now() + 1h);
        host("unavailable").route("/feed", [in_an_hour](const RecordedRequest&) {
            Response r = make_response(503, "text/html", "<html><body>maintenance</body></html>");
            r.headers.emplace_back("Retry-After", in_an_hour);
            return r;
        });
        host("server-error").route("/feed", [](const RecordedRequest&) {
            return make_response(500, "text/plain", "internal error\n");
        });
        host("http-410").route("/feed", [](const RecordedRequest&) {
            return make_response(410, "text/plain", "this feed is gone\n");
        });
        host("html-page").route("/feed", [](const RecordedRequest&) {
            return make_response(200, "text/html; charset=utf-8",
                                 "<!DOCTYPE html>\n<html><head><title>Welcome</title></head>"
                                 "<body><h1>Our news</h1><p>Read us on the web.</p></body></html>\n");
        });
        host("empty-body").route("/feed", [](const RecordedRequest&) {
            return make_response(200, "application/rss+xml", "");
        });
        host("huge-header").route("/feed", [lequipe](const RecordedRequest&) {
            Response r = make_response(200, "application/rss+xml", lequipe);
            add_padding_headers(r, 1024);  // 1 MiB of headers
            return r;
        });
        host("billion-laughs").route("/feed", [](const RecordedRequest&) {
            return make_response(200, "application/rss+xml", billion_laughs());
        });
        host("wrong-type").route("/feed", [lequipe](const RecordedRequest&) {
            return make_response(200, "text/plain", lequipe);
        });
        host("wrong-charset").route("/feed", [akhbar](const RecordedRequest&) {
            return make_response(200, "application/rss+xml; charset=utf-8", akhbar);
        });
    }

    std::string hostile_feeds() {
        std::string text = feed_section("connect-blackhole", blackhole.url("/feed"));
        for (const auto& [name, server] : hostile)
            text += feed_section(name, server->url("/feed"), name == "redirect-private" ? "allow_private = no\n" : "");
        return text;
    }

    void write_config(const std::string& feeds) const {
        std::ofstream(dir / "feeds.conf", std::ios::trunc) << daemon_section(daemon_limits()) << feeds;
    }

    void execute() {
        serve();
        const std::vector<std::string> args{"-c", (dir / "feeds.conf").string(), "once"};

        // First cycle: the good feeds only.
        write_config(good_feeds());
        first_status = run_to_completion(kBinary, args, dir / "first.log", 60s);
        if (first_status != 0) return;
        items_before = query(dir / "tributary.db",
                             "SELECT f.name, i.item_key, i.title FROM items i JOIN feeds f ON f.id = i.feed_id "
                             "ORDER BY f.name, i.item_key");
        titles_before = merged_titles(dir / "out" / "merged.xml");

        // The hostile cycle: every feed at once.
        write_config(good_feeds() + hostile_feeds());
        started_at = std::time(nullptr);
        run = run_measured(kBinary, args, dir / "hostile.log", 120s);
        log = read_file(dir / "hostile.log");
        std::cout << "[ hostile  ] cycle over " << feed_count() << " feeds: wall " << run.wall.count()
                  << " s, peak RSS " << run.max_rss_kib << " KiB (" << run.max_rss_kib / 1024 << " MiB), exit "
                  << (run.status ? std::to_string(*run.status) : "killed at the limit") << "; RSS by " << run.how
                  << "\n  (config: " << (dir / "feeds.conf").string() << ", log: " << (dir / "hostile.log").string()
                  << ")\n";
    }

    std::size_t feed_count() const { return hostile.size() + 4; }  // + the blackhole and the three good feeds

    Rows feed_row(const std::string& name) const {
        return query(dir / "tributary.db",
                     "SELECT last_outcome, last_error, http_status, consecutive_failures, next_due, schedule_reason, "
                     "(SELECT count(*) FROM items i WHERE i.feed_id = f.id) FROM feeds f WHERE name = '" +
                         name + "'");
    }
};

// Every check of the hostile cycle: each of them reads the one run, and a run takes
// one total timeout, so they share one test (CTest runs each test in a process of its own).
TEST(HostileCycle, OnceSurvivesEveryHostileServerAndKeepsTheGoodFeeds) {
    Cycle c;
    c.execute();
    const fs::path db = c.dir / "tributary.db";
    ASSERT_EQ(c.first_status, 0) << read_file(c.dir / "first.log");
    ASSERT_TRUE(c.run.status.has_value()) << "tributary once was killed after " << c.run.wall.count() << " s\n"
                                          << c.log;

    {
        SCOPED_TRACE("the cycle completes, in bounded time and memory");
        EXPECT_EQ(*c.run.status, 0) << c.log;
        EXPECT_NE(c.log.find("cycle: " + std::to_string(c.feed_count()) + " feeds polled"), std::string::npos) << c.log;
        // The slow-drip server would take 20 minutes, the silent one an hour.
        EXPECT_LT(c.run.wall, kCycleWallLimit) << c.log;
        EXPECT_GT(c.run.max_rss_kib, 0);
        EXPECT_LT(c.run.max_rss_kib, kPeakRssLimitKiB) << "peak RSS " << c.run.max_rss_kib << " KiB";
        ::testing::Test::RecordProperty("wall_ms", static_cast<int>(c.run.wall.count() * 1000));
        ::testing::Test::RecordProperty("peak_rss_kib", static_cast<int>(c.run.max_rss_kib));
    }

    // What each feed ended as, for the record (errors cut: a hostile one may be long).
    for (const auto& row : query(db,
                                 "SELECT name, last_outcome, http_status, substr(last_error, 1, 160) FROM feeds "
                                 "ORDER BY name"))
        std::cout << "  " << row[0] << ": " << row[1] << " (" << row[2] << ") " << row[3] << "\n";

    for (const HostileCase& expected : hostile_cases()) {
        SCOPED_TRACE("hostile feed " + expected.feed);
        const Rows row = c.feed_row(expected.feed);
        ASSERT_EQ(row.size(), 1u) << "no row in feeds for " << expected.feed;
        const std::string& outcome = row[0][0];
        const std::string& error = row[0][1];
        EXPECT_EQ(outcome, expected.outcome) << "last_error: " << error;
        EXPECT_TRUE(contains_any(error, expected.causes))
            << "last_error '" << error << "' names none of " << joined(expected.causes);
        if (expected.http_status >= 0) {
            EXPECT_EQ(row[0][2], std::to_string(expected.http_status)) << error;
        }
        EXPECT_EQ(row[0][3], "1") << "consecutive_failures";
        EXPECT_EQ(row[0][6], "0") << "items stored from a hostile feed";

        const std::vector<std::string> warnings = warnings_for(c.log, expected.feed);
        ASSERT_EQ(warnings.size(), 1u) << "warning lines naming feed=" << expected.feed << ":\n" << c.log;
        EXPECT_NE(warnings[0].find(expected.outcome), std::string::npos) << warnings[0];
        EXPECT_TRUE(contains_any(warnings[0], expected.causes)) << warnings[0];
    }

    {
        SCOPED_TRACE("Retry-After holds back the feeds that asked for it");
        const Rows limited = c.feed_row("too-many-requests");
        ASSERT_EQ(limited.size(), 1u);
        ASSERT_FALSE(limited[0][4].empty()) << "next_due is NULL";
        EXPECT_GE(std::stoll(limited[0][4]), static_cast<long long>(c.started_at) + 120) << limited[0][5];
        const Rows unavailable = c.feed_row("unavailable");
        ASSERT_EQ(unavailable.size(), 1u);
        ASSERT_FALSE(unavailable[0][4].empty()) << "next_due is NULL";
        // Retry-After as an HTTP-date one hour after the servers started.
        EXPECT_GE(std::stoll(unavailable[0][4]), static_cast<long long>(c.started_at) + 3500) << unavailable[0][5];
    }

    {
        SCOPED_TRACE("the private-address guard refuses before anything is sent");
        EXPECT_EQ(c.hostile.at("redirect-private")->hits("/feed"), 0);
        EXPECT_EQ(c.good.hits("/lequipe.rss"), 2);  // one request per cycle, from the lequipe feed only
    }

    {
        SCOPED_TRACE("billion laughs: never expanded (whatever the outcome; see BillionLaughsIsRejected)");
        const Rows expanded = query(db,
                                    "SELECT count(*) FROM items WHERE title LIKE '%lollol%' OR summary LIKE "
                                    "'%lollol%' OR content LIKE '%lollol%'");
        EXPECT_EQ(expanded[0][0], "0");
        EXPECT_EQ(read_file(c.dir / "out" / "merged.xml").find("lollol"), std::string::npos);
        const Rows row = c.feed_row("billion-laughs");
        ASSERT_EQ(row.size(), 1u);
        std::cout << "[ laughs   ] billion-laughs in the cycle: outcome=" << row[0][0] << " error='" << row[0][1]
                  << "' items=" << row[0][6] << "\n";
    }

    for (const std::string name : {"akhbar", "lequipe", "sahel"}) {
        SCOPED_TRACE("good feed " + name);
        const Rows row = c.feed_row(name);
        ASSERT_EQ(row.size(), 1u);
        // Unchanged since the first cycle: a conditional GET answered 304.
        EXPECT_TRUE(row[0][0] == "not_modified" || row[0][0] == "fetched") << row[0][0] << ": " << row[0][1];
        EXPECT_EQ(row[0][1], "");
        EXPECT_EQ(row[0][3], "0");
        EXPECT_NE(row[0][6], "0");
        EXPECT_TRUE(warnings_for(c.log, name).empty()) << warnings_for(c.log, name)[0];
    }

    {
        SCOPED_TRACE("nothing stored before is lost");
        EXPECT_EQ(c.items_before.size(), 5u);
        const Rows after = query(db,
                                 "SELECT f.name, i.item_key, i.title FROM items i JOIN feeds f ON f.id = i.feed_id "
                                 "WHERE f.name IN ('akhbar', 'lequipe', 'sahel') ORDER BY f.name, i.item_key");
        EXPECT_EQ(after, c.items_before);
        EXPECT_EQ(query(db, "PRAGMA integrity_check")[0][0], "ok");
        ASSERT_TRUE(fs::exists(c.dir / "out" / "merged.xml"));
        const std::vector<std::string> titles = merged_titles(c.dir / "out" / "merged.xml");
        EXPECT_EQ(c.titles_before.size(), 3u);
        for (const std::string& title : c.titles_before)
            EXPECT_NE(std::find(titles.begin(), titles.end(), title), titles.end())
                << "lost from merged.xml: " << title;
    }

    {
        SCOPED_TRACE("a valid feed served as text/plain is ingested anyway");
        const Rows row = c.feed_row("wrong-type");
        ASSERT_EQ(row.size(), 1u);
        EXPECT_EQ(row[0][0], "fetched") << row[0][1];
        EXPECT_EQ(row[0][1], "");
        EXPECT_EQ(row[0][3], "0");
        EXPECT_EQ(row[0][6], "2");  // lequipe-news.rss has two items
        EXPECT_TRUE(warnings_for(c.log, "wrong-type").empty()) << warnings_for(c.log, "wrong-type")[0];
    }

    {
        SCOPED_TRACE("windows-1256 bytes labelled charset=utf-8: no crash, only UTF-8 stored");
        const Rows row = c.feed_row("wrong-charset");
        ASSERT_EQ(row.size(), 1u);
        const Rows items = query(db,
                                 "SELECT i.title, i.summary, i.content FROM items i JOIN feeds f ON f.id = i.feed_id "
                                 "WHERE f.name = 'wrong-charset'");
        const Rows feed_title = query(db, "SELECT title FROM feeds WHERE name = 'wrong-charset'");
        // Report what happens; the document's own declaration says windows-1256.
        std::cout << "[ charset  ] wrong-charset: outcome=" << row[0][0] << " error='" << row[0][1]
                  << "' items=" << row[0][6] << " feed title='" << (feed_title.empty() ? "" : feed_title[0][0]) << "'";
        for (const auto& item : items) std::cout << " item title='" << item[0] << "'";
        std::cout << "\n";
        EXPECT_FALSE(row[0][0].empty());
        for (const auto& item : items)
            for (const std::string& text : item) EXPECT_TRUE(valid_utf8(text)) << "stored text is not UTF-8: " << text;
        if (!feed_title.empty()) {
            EXPECT_TRUE(valid_utf8(feed_title[0][0]));
        }
        // The document's declaration wins over a UTF-8 label its bytes contradict: Arabic intact.
        EXPECT_EQ(row[0][0], "fetched");
        ASSERT_EQ(items.size(), 1u);
        EXPECT_EQ(items[0][0], "إسبانيا تشيد بالتعاون الأمني مع المغرب بعد حصيلة غير مسبوقة في مكافحة الإرهاب");
        EXPECT_EQ(query(db, "SELECT encoding_declared, encoding_used FROM feeds WHERE name = 'wrong-charset'")[0],
                  (std::vector<std::string>{"utf-8", "windows-1256"}));
    }

    if (!HasFailure()) fs::remove_all(c.dir);
}

// ---------------------------------------------------------- single feeds ---

// One feed, one `once` run, its own directory and server.
class HostileFeed : public ::testing::Test {
protected:
    void SetUp() override { dir_ = fresh_dir(::testing::UnitTest::GetInstance()->current_test_info()->name()); }
    void TearDown() override {
        if (!HasFailure()) fs::remove_all(dir_);
    }

    Measured run_once(const std::string& limits) {
        std::ofstream(dir_ / "feeds.conf", std::ios::trunc)
            << daemon_section(limits) << feed_section("feed", server_.url("/feed"));
        Measured m = run_measured(kBinary, {"-c", (dir_ / "feeds.conf").string(), "once"}, dir_ / "once.log", 60s);
        log_ = read_file(dir_ / "once.log");
        return m;
    }

    Rows row() const {
        return query(dir_ / "tributary.db",
                     "SELECT last_outcome, last_error, http_status, consecutive_failures, next_due, schedule_reason, "
                     "(SELECT count(*) FROM items) FROM feeds WHERE name = 'feed'");
    }

    fs::path dir_;
    TestHttpServer server_;
    std::string log_;
};

TEST_F(HostileFeed, TooManyRequestsWithRetryAfter120StoresNextDueAtLeastTwoMinutesAhead) {
    server_.route("/feed", [](const RecordedRequest&) {
        Response r = make_response(429, "text/plain", "slow down\n");
        r.headers.emplace_back("Retry-After", "120");
        return r;
    });
    const std::time_t before = std::time(nullptr);
    // interval = 1m (daemon_section): the first failure's backoff alone would be about a
    // minute, so only Retry-After can push next_due two minutes out.
    const Measured m = run_once("");
    ASSERT_EQ(m.status, 0) << log_;
    const Rows r = row();
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0][0], "http_error");
    EXPECT_EQ(r[0][2], "429");
    ASSERT_FALSE(r[0][4].empty()) << "next_due is NULL";
    const long long next_due = std::stoll(r[0][4]);
    EXPECT_GE(next_due, static_cast<long long>(before) + 120) << "schedule_reason: " << r[0][5];
    std::cout << "[ 429      ] next_due = now + " << next_due - static_cast<long long>(std::time(nullptr)) << " s ("
              << r[0][5] << ")\n";
}

// The billion-laughs document declares nested entities in its DTD. Whatever the parser
// does with them, the feed must end as a failure naming the cause (issue 4), not as an
// item whose title is the literal text "&lol9;".
TEST_F(HostileFeed, BillionLaughsIsRejectedWithAParseError) {
    server_.route("/feed",
                  [](const RecordedRequest&) { return make_response(200, "application/rss+xml", billion_laughs()); });
    const Measured m = run_once("");
    ASSERT_EQ(m.status, 0) << log_;
    EXPECT_LT(m.max_rss_kib, kPeakRssLimitKiB);
    const Rows r = row();
    ASSERT_EQ(r.size(), 1u);
    const Rows titles = query(dir_ / "tributary.db", "SELECT title FROM items");
    EXPECT_EQ(r[0][0], "parse_error") << "last_error '" << r[0][1] << "', items stored: " << r[0][6]
                                      << (titles.empty() ? "" : ", first title '" + titles[0][0] + "'");
    EXPECT_TRUE(contains_any(r[0][1], {"entity", "entities", "dtd", "doctype"})) << r[0][1];
    EXPECT_EQ(r[0][6], "0");
    EXPECT_EQ(warnings_for(log_, "feed").size(), 1u) << log_;
    // Whatever is kept of a 1 KiB document stays about its size: no amplification into the
    // database or the published feed (sizes only: the texts themselves may be huge).
    const Rows stored =
        query(dir_ / "tributary.db",
              "SELECT (SELECT coalesce(sum(length(title) + length(site_link)), 0) FROM feeds), "
              "(SELECT coalesce(sum(length(title) + length(summary) + length(content)), 0) FROM items)");
    EXPECT_LT(std::stoll(stored[0][0]), 64 * 1024) << "bytes of feed title and link stored";
    EXPECT_LT(std::stoll(stored[0][1]), 64 * 1024) << "bytes of item text stored";
    if (fs::exists(dir_ / "out" / "merged.xml")) {
        EXPECT_LT(fs::file_size(dir_ / "out" / "merged.xml"), 64u * 1024) << "bytes of merged.xml";
    }
}

// Whether the low-speed bound is wired: the transfer ended by the total timeout instead.
bool ended_by_total_timeout(const std::string& error) {
    return error.find("Operation timed out after") != std::string::npos;
}

TEST_F(HostileFeed, SlowDripIsCutByTheLowSpeedLimitBeforeTheTotalTimeout) {
    const std::string lequipe = read_file(kFixtures / "lequipe-news.rss");
    server_.route("/feed", [lequipe](const RecordedRequest&) {
        Response r = make_response(200, "application/rss+xml", lequipe);
        r.mode = Response::Mode::slow;
        r.chunk_bytes = 1;
        r.chunk_interval = 200ms;
        return r;
    });
    // Below 1 KiB/s for 2 s must end the transfer long before the 12 s total timeout.
    const Measured m = run_once("timeout = 12s\nlow_speed_limit = 1K\nlow_speed_time = 2s\n");
    ASSERT_EQ(m.status, 0) << log_;
    const Rows r = row();
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0][0], "timed_out") << r[0][1];
    // Once a skip ("known gap"); the settings are passed to curl now, so a drip that runs to the
    // total timeout is a regression.
    EXPECT_FALSE(ended_by_total_timeout(r[0][1]))
        << "low_speed_limit/low_speed_time did not reach curl; the slow drip ran to the total timeout: " << r[0][1];
    EXPECT_LT(m.wall, 8s) << "last_error: " << r[0][1];
    EXPECT_TRUE(contains_any(r[0][1], {"too slow", "low speed", "low_speed"})) << r[0][1];
}

TEST_F(HostileFeed, ResponseHeadersBeyondMaxHeaderAreRefused) {
    const std::string lequipe = read_file(kFixtures / "lequipe-news.rss");
    server_.route("/feed", [lequipe](const RecordedRequest&) {
        Response r = make_response(200, "application/rss+xml", lequipe);
        add_padding_headers(r, 32);  // about 32 KiB: over max_header, under the 64 KiB default
        return r;
    });
    const Measured m = run_once("max_header = 16K\n");
    ASSERT_EQ(m.status, 0) << log_;
    const Rows r = row();
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0][0], "too_large") << "32 KiB of headers with max_header = 16K: " << r[0][1];
    EXPECT_TRUE(contains_any(r[0][1], {"16384", "16 KiB", "16K"})) << r[0][1];
    EXPECT_EQ(warnings_for(log_, "feed").size(), 1u) << log_;
}

}  // namespace
}  // namespace tributary::testing
