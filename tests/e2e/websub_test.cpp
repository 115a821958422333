// Issue 12 point 8 through the real binary: with `hub =`, every format advertises the hub and
// itself, the HTTP responses carry the Link header, and the daemon pings a fake hub on 127.0.0.1
// once per change of an output's bytes (retrying after a 500), and not when the bytes stay.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <sstream>
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

std::string form_of(const std::string& topic) {
    std::string out = "hub.mode=publish&hub.url=";
    for (const char c : topic) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += c;
        } else {
            static constexpr char kHex[] = "0123456789ABCDEF";
            out += '%';
            out += kHex[u >> 4];
            out += kHex[u & 0xF];
        }
    }
    return out;
}

class WebSubEndToEnd : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("tributary-e2e-websub-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        server_.serve_file("/akhbar.rss", kFixtures / "akhbar-maghreb-windows1256.rss",
                           "application/rss+xml; charset=windows-1256");
        server_.serve_file("/lequipe.rss", kFixtures / "lequipe-news.rss", "application/rss+xml; charset=utf-8");
        // The hub: the very first ping fails with a 500, every other one is accepted.
        server_.route("/hub", [this](const RecordedRequest&) {
            Response r;
            r.status = hub_posts_++ == 0 ? 500 : 204;
            return r;
        });
    }

    void TearDown() override {
        if (!HasFailure()) fs::remove_all(dir_);
    }

    void write_config(const std::string& daemon_extra, const std::string& output_extra) const {
        std::ofstream(dir_ / "feeds.conf", std::ios::trunc)
            << "[daemon]\ndatabase = tributary.db\nlisten = 127.0.0.1:0\ninterval = 1h\nallow_private = yes\n"
               "log_level = debug\nstartup_spread = 1s\nmin_host_spacing = 0\n"
            << daemon_extra << "\n[output all]\npath = out/all.xml\n"
            << output_extra << "\n[feed akhbar]\nurl = " << server_.url("/akhbar.rss")
            << "\n\n[feed lequipe]\nurl = " << server_.url("/lequipe.rss") << "\n";
    }

    std::vector<RecordedRequest> hub_requests() const {
        std::vector<RecordedRequest> out;
        for (RecordedRequest& r : server_.requests())
            if (r.target == "/hub") out.push_back(std::move(r));
        return out;
    }

    bool wait_for_hub_requests(std::size_t count, std::chrono::milliseconds limit) const {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < deadline) {
            if (hub_requests().size() >= count) return true;
            std::this_thread::sleep_for(20ms);
        }
        return hub_requests().size() >= count;
    }

    fs::path dir_;
    TestHttpServer server_;
    std::atomic<int> hub_posts_{0};
};

TEST_F(WebSubEndToEnd, PingsTheHubOncePerChangeRetriesAfterA500AndNotWithoutChange) {
    // Without a hub first, until both feeds are in the output: then adding the hub is one change.
    write_config("", "");
    ChildProcess daemon(kBinary, {"-c", (dir_ / "feeds.conf").string(), "run"}, dir_ / "run.log");
    ASSERT_TRUE(daemon.wait_for_log(" fetched in ", 30s, 2)) << daemon.log();
    const std::string started = daemon.log();
    const std::uint16_t port = served_port(started);
    ASSERT_NE(port, 0) << started;
    const std::string base = "http://127.0.0.1:" + std::to_string(port) + "/";
    http_get_until(port, "/all.json", [](const HttpAnswer& a) {
        return a.status == 200 && nlohmann::json::parse(a.body)["items"].size() == 2;
    });
    std::this_thread::sleep_for(300ms);
    EXPECT_TRUE(hub_requests().empty());

    const std::string hub = server_.url("/hub");
    write_config("hub = " + hub + "\n", "");
    daemon.signal(SIGHUP);
    // One change, three topics (one per format); the first ping got a 500 and is sent again.
    ASSERT_TRUE(wait_for_hub_requests(4, 20s)) << daemon.log();
    std::this_thread::sleep_for(1500ms);  // more than the first backoff: nothing else comes
    std::vector<RecordedRequest> pings = hub_requests();
    ASSERT_EQ(pings.size(), 4u) << daemon.log();
    std::map<std::string, int> forms;
    for (const RecordedRequest& ping : pings) {
        EXPECT_EQ(ping.method, "POST");
        EXPECT_EQ(ping.headers.at("content-type"), "application/x-www-form-urlencoded");
        ++forms[ping.body];
    }
    const std::string all_xml = form_of(base + "all.xml");
    const std::string all_atom = form_of(base + "all.atom");
    const std::string all_json = form_of(base + "all.json");
    EXPECT_EQ(forms[all_xml] + forms[all_atom] + forms[all_json], 4) << pings[0].body;
    EXPECT_EQ(forms[pings[0].body], 2);  // the one that got the 500, retried
    EXPECT_EQ(forms[all_xml] * forms[all_atom] * forms[all_json], 2);
    const std::string log = daemon.log();
    EXPECT_NE(log.find("output all: websub ping to hub 127.0.0.1 failed (HTTP 500), attempt 1 of 5: retrying in"),
              std::string::npos)
        << log;

    // Every format names the hub and itself; so does the HTTP Link header.
    const HttpAnswer rss = http_get(port, "/all.xml");
    ASSERT_EQ(rss.status, 200);
    EXPECT_NE(rss.head.find("Link: <" + hub + ">; rel=\"hub\", <" + base + "all.xml>; rel=\"self\""), std::string::npos)
        << rss.head;
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_string(rss.body.c_str()));
    EXPECT_STREQ(
        doc.child("rss").child("channel").find_child_by_attribute("atom:link", "rel", "hub").attribute("href").value(),
        hub.c_str());
    const HttpAnswer atom = http_get(port, "/all.atom");
    EXPECT_NE(atom.body.find("<link rel=\"hub\" href=\"" + hub + "\"/>"), std::string::npos) << atom.body;
    EXPECT_NE(atom.head.find("Link: <" + hub + ">; rel=\"hub\", <" + base + "all.atom>; rel=\"self\""),
              std::string::npos)
        << atom.head;
    const HttpAnswer json = http_get(port, "/all.json");
    EXPECT_EQ(nlohmann::json::parse(json.body)["hubs"][0]["url"], hub);

    // A reload that re-renders the output to the same bytes (only the file mode changes): the
    // files get their new mode, the hub hears nothing.
    write_config("hub = " + hub + "\n", "file_mode = 0640\n");
    daemon.signal(SIGHUP);
    bool mode_applied = false;
    for (int attempt = 0; attempt < 200 && !mode_applied; ++attempt) {
        struct stat st {};
        mode_applied = ::stat((dir_ / "out" / "all.json").c_str(), &st) == 0 && (st.st_mode & 07777) == 0640;
        if (!mode_applied) std::this_thread::sleep_for(50ms);
    }
    EXPECT_TRUE(mode_applied) << daemon.log();
    std::this_thread::sleep_for(1500ms);
    EXPECT_EQ(hub_requests().size(), 4u) << daemon.log();

    // A change of the bytes (the title): one more ping per format.
    write_config("hub = " + hub + "\n", "file_mode = 0640\ntitle = Autre titre\n");
    daemon.signal(SIGHUP);
    ASSERT_TRUE(wait_for_hub_requests(7, 20s)) << daemon.log();
    std::this_thread::sleep_for(1500ms);
    pings = hub_requests();
    EXPECT_EQ(pings.size(), 7u);
    std::map<std::string, int> later;
    for (std::size_t i = 4; i < pings.size(); ++i) ++later[pings[i].body];
    EXPECT_EQ(later, (std::map<std::string, int>{{all_xml, 1}, {all_atom, 1}, {all_json, 1}}));

    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.wait(30s), 0) << daemon.log();
}

// While documents keep landing, a service publishes (and pings its hub) at most every two seconds,
// not once per document: 40 sites answering one after the other for about three seconds. What
// landed last is published all the same.
TEST_F(WebSubEndToEnd, WhileDocumentsLandPublicationsAreTwoSecondsApartAndTheLastHasEverything) {
    constexpr int kSites = 40;
    for (int i = 0; i < kSites; ++i) {
        const std::string site = "site" + std::to_string(i);
        std::string rss =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>" + site +
            "</title><link>http://" + site + ".example/</link><description>news</description><item><title>Bulletin " +
            site + "</title><link>http://" + site + ".example/one</link><guid>" + site +
            "-one</guid><description>Only " + site + " carries this.</description></item></channel></rss>";
        server_.route("/" + site + ".rss", [rss](const RecordedRequest&) {
            Response r;
            r.headers.emplace_back("Content-Type", "application/rss+xml; charset=utf-8");
            r.body = rss;
            r.delay = 150ms;
            return r;
        });
    }
    std::mutex mutex;
    std::vector<std::chrono::steady_clock::time_point> xml_pings;
    server_.route("/hub-timed", [&](const RecordedRequest& request) {
        if (request.body.find("all.xml") != std::string::npos) {
            std::lock_guard lock(mutex);
            xml_pings.push_back(std::chrono::steady_clock::now());
        }
        Response r;
        r.status = 204;
        return r;
    });
    {
        std::ofstream config(dir_ / "feeds.conf", std::ios::trunc);
        config << "[daemon]\ndatabase = tributary.db\nlisten = 127.0.0.1:0\ninterval = 1h\nallow_private = yes\n"
                  "log_level = debug\nstartup_spread = 1s\nmin_host_spacing = 0\nmax_concurrent = 2\n"
                  "max_per_host = 2\n\n[output all]\npath = out/all.xml\ndedup = item\nmax_items = 100\nhub = "
               << server_.url("/hub-timed") << "\n";
        for (int i = 0; i < kSites; ++i)
            config << "\n[feed site" << i << "]\nurl = " << server_.url("/site" + std::to_string(i) + ".rss") << "\n";
    }
    const auto started = std::chrono::steady_clock::now();
    ChildProcess daemon(kBinary, {"-c", (dir_ / "feeds.conf").string(), "run"}, dir_ / "run.log");
    ASSERT_TRUE(daemon.wait_for_log(" fetched in ", 30s, kSites)) << daemon.log();
    const auto landed = std::chrono::steady_clock::now();
    const std::uint16_t port = served_port(daemon.log());
    ASSERT_NE(port, 0) << daemon.log();
    const HttpAnswer all = http_get_until(port, "/all.json", [](const HttpAnswer& a) {
        return a.status == 200 && nlohmann::json::parse(a.body)["items"].size() == kSites;
    });
    ASSERT_EQ(nlohmann::json::parse(all.body)["items"].size(), std::size_t{kSites}) << daemon.log();
    std::this_thread::sleep_for(500ms);  // the last publication's pings

    // When each publication ended, from the log's timestamps ("2026-12-07T05:18:33.439 [debug]
    // published 1 outputs"): a few milliseconds after it began, with so few entries.
    std::vector<double> published;
    std::istringstream log(daemon.log());
    for (std::string line; std::getline(log, line);)
        if (line.size() > 23 && line.find("] published ") != std::string::npos &&
            line.find(" outputs") != std::string::npos)
            published.push_back(std::stoi(line.substr(11, 2)) * 3600.0 + std::stoi(line.substr(14, 2)) * 60.0 +
                                std::stod(line.substr(17, 6)));
    const auto seconds = [](auto d) { return std::chrono::duration<double>(d).count(); };
    ASSERT_GE(published.size(), 2u) << daemon.log();
    for (std::size_t i = 1; i < published.size(); ++i)
        EXPECT_GE(published[i] - published[i - 1], 1.9) << "publication " << i << " of " << published.size();
    EXPECT_LE(static_cast<double>(published.size()), 2 + seconds(landed - started) / 2) << daemon.log();
    std::lock_guard lock(mutex);
    EXPECT_GE(xml_pings.size(), 1u);
    EXPECT_LE(xml_pings.size(), published.size());
    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.wait(30s), 0) << daemon.log();
}

// A document that lands less than two seconds after the start-up's publication waits for the
// next one; a SIGTERM in that wait publishes it before the daemon leaves.
TEST_F(WebSubEndToEnd, AStopPublishesWhatWaitedForTheNextPublication) {
    write_config("", "");
    ChildProcess daemon(kBinary, {"-c", (dir_ / "feeds.conf").string(), "run"}, dir_ / "run.log");
    ASSERT_TRUE(daemon.wait_for_log(" fetched in ", 30s, 2)) << daemon.log();
    daemon.signal(SIGTERM);
    ASSERT_EQ(daemon.wait(30s), 0) << daemon.log();
    const std::string log = daemon.log();
    std::ifstream file(dir_ / "out" / "all.json");
    const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    ASSERT_FALSE(text.empty()) << log;
    EXPECT_EQ(nlohmann::json::parse(text)["items"].size(), 2u) << log;
}

}  // namespace
}  // namespace tributary::testing
