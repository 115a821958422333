#include "config/config_diff.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "config/config.hpp"

namespace tributary::config {
namespace {

namespace fs = std::filesystem;
const fs::path kFile = "/etc/tributary/feeds.conf";

Config parse_ok(const std::string& text) {
    auto config = parse_config(text, kFile);
    EXPECT_TRUE(config.has_value()) << (config ? "" : config.error().message) << "\n" << text;
    return config ? *config : Config{};
}

// One key given two values. `fixed` goes into the same section, unchanged on both sides.
struct KeyCase {
    std::string before;
    std::string after;
    std::string fixed;
};

enum class Where { daemon, output, feed };

std::string config_text(Where where, const std::string& key, const std::string& value, const std::string& fixed) {
    const std::string line = key + " = " + value + "\n" + fixed + (fixed.empty() ? "" : "\n");
    std::string text = "[daemon]\n";
    if (where == Where::daemon) text += line;
    text += "[output merged]\n";
    if (where == Where::output) text += line;
    text += "[feed alpha]\n";
    if (where != Where::feed || key != "url") text += "url = http://example.org/alpha\n";
    if (where != Where::feed || key != "tags") text += "tags = x\n";
    if (where == Where::feed) text += line;
    text += "[feed beta]\nurl = http://example.org/beta\ntags = y\n";
    return text;
}

const std::map<std::string, KeyCase> kDaemonCases{
    {"database", {"a.db", "b.db", ""}},
    {"database_password_file", {"a-password", "b-password", "database = postgresql://db.example/news"}},
    {"database_password_env", {"PASSWORD_A", "PASSWORD_B", "database = postgresql://db.example/news"}},
    {"share_database", {"yes", "no", "database = postgresql://db.example/news"}},
    {"lease_time", {"1m", "2m", ""}},
    {"public_url", {"https://a.example.org/", "https://b.example.org/", ""}},
    {"interval", {"10m", "20m", ""}},
    {"min_interval", {"1m", "2m", ""}},
    {"max_interval", {"1h", "2h", ""}},
    {"max_backoff", {"1h", "2h", ""}},
    {"jitter", {"0.1", "0.2", ""}},
    {"startup_spread", {"1s", "2s", ""}},
    {"retention", {"30d", "off", ""}},
    {"allow_private", {"yes", "no", ""}},
    {"allow_no_feeds", {"yes", "no", ""}},
    {"log_level", {"debug", "warn", ""}},
    {"user_agent", {"A/1", "B/2", ""}},
    {"connect_timeout", {"1s", "2s", ""}},
    {"timeout", {"10s", "20s", ""}},
    {"max_body", {"1M", "2M", ""}},
    {"max_header", {"8K", "16K", ""}},
    {"max_redirects", {"1", "2", ""}},
    {"max_concurrent", {"1", "2", ""}},
    {"max_per_host", {"1", "2", ""}},
    {"min_host_spacing", {"0", "2s", ""}},
    {"low_speed_limit", {"10", "20", ""}},
    {"low_speed_time", {"5s", "10s", ""}},
    {"http_max_connections", {"10", "20", ""}},
    {"http_header_timeout", {"1s", "2s", ""}},
    {"http_idle_timeout", {"1s", "2s", ""}},
};

const std::map<std::string, KeyCase> kOutputCases{
    {"path", {"a.xml", "b.xml", ""}},
    {"url", {"/a.xml", "/b.xml", ""}},
    {"format", {"rss", "json", ""}},
    {"formats", {"rss, atom", "rss, json", ""}},
    {"rss_url", {"/a.xml", "/b.xml", "format = atom\nrss_path = r.xml"}},
    {"rss_path", {"a.xml", "b.xml", "format = atom\nrss_url = /r.xml"}},
    {"atom_url", {"/a.atom", "/b.atom", ""}},
    {"atom_path", {"a.atom", "b.atom", ""}},
    {"json_url", {"/a.json", "/b.json", ""}},
    {"json_path", {"a.json", "b.json", ""}},
    {"title", {"A", "B", ""}},
    {"description", {"A", "B", ""}},
    {"link", {"http://a.example.org/", "http://b.example.org/", ""}},
    {"public_url", {"https://a.example.org/", "https://b.example.org/", ""}},
    {"language", {"ar", "fr-MA", ""}},
    {"max_items", {"1", "2", ""}},
    {"dedup", {"story", "item", ""}},
    {"content", {"full", "summary", ""}},
    {"include_tags", {"x", "y", ""}},
    {"exclude_tags", {"x", "y", ""}},
    {"feeds", {"alpha", "beta", ""}},
    {"file_mode", {"0644", "0640", ""}},
    {"hub", {"https://hub-a.example.org/", "https://hub-b.example.org/", ""}},
};

const std::map<std::string, KeyCase> kFeedCases{
    {"url", {"http://example.org/a", "http://example.org/b", ""}},
    {"tags", {"x", "x, z", ""}},
    {"interval", {"10m", "20m", ""}},
    {"allow_private", {"yes", "no", ""}},
    {"enabled", {"yes", "no", ""}},
    {"encoding", {"windows-1256", "utf-8", ""}},
    {"header", {"A: 1", "A: 2", ""}},
    {"username", {"u", "v", ""}},
    {"password_file", {"a.pw", "b.pw", ""}},
    {"password_env", {"A", "B", ""}},
    {"proxy", {"none", "http://proxy.example.org:3128", ""}},
    {"user_agent", {"A/1", "B/2", ""}},
    {"ca_file", {"a.pem", "b.pem", ""}},
    {"retry_after", {"1m", "2m", ""}},
    {"timezone", {"Europe/Paris", "Africa/Casablanca", ""}},
    {"priority", {"1", "2", ""}},
    {"verify_tls", {"yes", "no", ""}},
};

std::vector<std::string> changed_keys(Where where, const std::string& key, const KeyCase& c) {
    const ConfigDiff diff = diff_configs(parse_ok(config_text(where, key, c.before, c.fixed)),
                                         parse_ok(config_text(where, key, c.after, c.fixed)));
    EXPECT_TRUE(diff.feeds_added.empty() && diff.feeds_removed.empty() && diff.outputs_added.empty() &&
                diff.outputs_removed.empty() && !diff.listen_changed())
        << key << ": " << describe(diff);
    switch (where) {
        case Where::daemon:
            EXPECT_TRUE(diff.feeds_changed.empty() && diff.outputs_changed.empty()) << key << ": " << describe(diff);
            return diff.daemon_changed;
        case Where::output:
            EXPECT_TRUE(diff.daemon_changed.empty() && diff.feeds_changed.empty()) << key << ": " << describe(diff);
            if (diff.outputs_changed.size() != 1) return {};
            EXPECT_EQ(diff.outputs_changed[0].name, "merged");
            return diff.outputs_changed[0].keys;
        case Where::feed:
            EXPECT_TRUE(diff.daemon_changed.empty()) << key << ": " << describe(diff);
            if (diff.feeds_changed.size() != 1) return {};
            EXPECT_EQ(diff.feeds_changed[0].name, "alpha");
            return diff.feeds_changed[0].keys;
    }
    return {};
}

TEST(ConfigDiff, EachDaemonKeyIsReportedByItsName) {
    for (const auto& [key, c] : kDaemonCases)
        EXPECT_EQ(changed_keys(Where::daemon, key, c), std::vector<std::string>{key}) << key;
}

TEST(ConfigDiff, EachOutputKeyIsReportedByItsName) {
    for (const auto& [key, c] : kOutputCases)
        EXPECT_EQ(changed_keys(Where::output, key, c), std::vector<std::string>{key}) << key;
}

TEST(ConfigDiff, EachFeedKeyIsReportedByItsName) {
    for (const auto& [key, c] : kFeedCases)
        EXPECT_EQ(changed_keys(Where::feed, key, c), std::vector<std::string>{key}) << key;
}

// The keys the parser accepts, read from its source: a key added there without a case here (and
// so, perhaps, without a comparison in config_diff.cpp) fails this test.
std::set<std::string> parser_keys(const std::string& function) {
    std::ifstream in(fs::path(TRIBUTARY_SOURCE_DIR) / "daemon/config/config.cpp");
    std::stringstream text;
    text << in.rdbuf();
    const std::string source = text.str();
    const std::size_t start = source.find("void " + function + "(");
    EXPECT_NE(start, std::string::npos) << function;
    const std::size_t end = source.find("\n    void ", start + 1);
    const std::string body = source.substr(start, end == std::string::npos ? std::string::npos : end - start);
    std::set<std::string> keys;
    const std::regex key_re(R"re(key == "([a-z0-9_]+)")re");
    for (auto it = std::sregex_iterator(body.begin(), body.end(), key_re); it != std::sregex_iterator(); ++it)
        keys.insert((*it)[1]);
    return keys;
}

TEST(ConfigDiff, EveryKeyTheParserAcceptsHasACase) {
    const auto check = [](const std::string& function, const std::map<std::string, KeyCase>& cases,
                          std::set<std::string> exempt) {
        const std::set<std::string> keys = parser_keys(function);
        EXPECT_GT(keys.size(), 10u) << function;
        for (const std::string& key : keys)
            EXPECT_TRUE(cases.contains(key) || exempt.contains(key)) << function << ": no diff case for " << key;
    };
    // listen: its own field (ListenChangeIsItsOwnPart); file_mode and hub: output defaults
    // (DaemonOutputDefaultsShowOnTheOutputs).
    check("daemon_key", kDaemonCases, {"listen", "file_mode", "hub"});
    check("output_key", kOutputCases, {});
    check("feed_key", kFeedCases, {});
}

TEST(ConfigDiff, DaemonOutputDefaultsShowOnTheOutputs) {
    const std::map<std::string, KeyCase> defaults{
        {"file_mode", {"0644", "0640", ""}},
        {"hub", {"https://hub-a.example.org/", "https://hub-b.example.org/", ""}},
    };
    for (const auto& [key, c] : defaults) {
        const ConfigDiff diff = diff_configs(parse_ok(config_text(Where::daemon, key, c.before, c.fixed)),
                                             parse_ok(config_text(Where::daemon, key, c.after, c.fixed)));
        EXPECT_TRUE(diff.daemon_changed.empty()) << key << ": " << describe(diff);
        ASSERT_EQ(diff.outputs_changed.size(), 1u) << key << ": " << describe(diff);
        EXPECT_EQ(diff.outputs_changed[0].keys, std::vector<std::string>{key});
    }
}

TEST(ConfigDiff, SameConfigReadTwiceIsNoChange) {
    const std::string text = config_text(Where::feed, "interval", "10m", "");
    const ConfigDiff diff = diff_configs(parse_ok(text), parse_ok("\n\n# moved down\n" + text));
    EXPECT_TRUE(diff.empty()) << describe(diff);  // source lines are not differences
    EXPECT_EQ(describe(diff), "no change");
}

TEST(ConfigDiff, FeedsAddedRemovedAndChangedInOneLine) {
    const Config before = parse_ok(
        "[feed alpha]\nurl = http://example.org/a\ninterval = 10m\n"
        "[feed beta]\nurl = http://example.org/b\n"
        "[feed keep]\nurl = http://example.org/k\n");
    const Config after = parse_ok(
        "[feed gamma]\nurl = http://example.org/g\n"
        "[feed alpha]\nurl = http://example.org/a2\ninterval = 20m\n"
        "[feed keep]\nurl = http://example.org/k\n"
        "[feed delta]\nurl = http://example.org/d\n");
    const ConfigDiff diff = diff_configs(before, after);
    EXPECT_EQ(diff.feeds_added, (std::vector<std::string>{"gamma", "delta"}));
    EXPECT_EQ(diff.feeds_removed, std::vector<std::string>{"beta"});
    ASSERT_EQ(diff.feeds_changed.size(), 1u);
    EXPECT_EQ(diff.feeds_changed[0], (SectionChange{.name = "alpha", .keys = {"url", "interval"}}));
    EXPECT_FALSE(diff.outputs_differ());
    EXPECT_EQ(describe(diff), "feeds +2 -1 ~1 (+gamma; +delta; -beta; alpha: url, interval)");
}

TEST(ConfigDiff, CredentialsInTheUrlAreAUrlChangeAndNeverShown) {
    const Config before = parse_ok("[feed a]\nurl = http://user:one@example.org/a\n");
    const Config after = parse_ok("[feed a]\nurl = http://user:two@example.org/a\n");
    const ConfigDiff diff = diff_configs(before, after);
    ASSERT_EQ(diff.feeds_changed.size(), 1u);
    EXPECT_EQ(diff.feeds_changed[0].keys, std::vector<std::string>{"url"});
    EXPECT_EQ(describe(diff).find("two"), std::string::npos);
}

TEST(ConfigDiff, OutputsAddedRemovedAndChanged) {
    const std::string feeds = "[feed a]\nurl = http://example.org/a\n";
    const Config before = parse_ok("[output merged]\ntitle = One\n[output old]\n" + feeds);
    const Config after = parse_ok("[output merged]\ntitle = Two\n[output fresh]\n" + feeds);
    const ConfigDiff diff = diff_configs(before, after);
    EXPECT_EQ(diff.outputs_added, std::vector<std::string>{"fresh"});
    EXPECT_EQ(diff.outputs_removed, std::vector<std::string>{"old"});
    EXPECT_EQ(describe(diff), "feeds +0 -0 ~0, outputs +1 -1 ~1 (+fresh; -old; merged: title)");
}

TEST(ConfigDiff, ListenChangeIsItsOwnPart) {
    const std::string feeds = "[feed a]\nurl = http://example.org/a\n";
    const ConfigDiff diff = diff_configs(parse_ok("[daemon]\nlisten = 127.0.0.1:8080\n" + feeds),
                                         parse_ok("[daemon]\nlisten = [::1]:8081\n" + feeds));
    EXPECT_TRUE(diff.listen_changed());
    EXPECT_TRUE(diff.daemon_changed.empty());
    EXPECT_EQ(describe(diff), "feeds +0 -0 ~0, listen 127.0.0.1:8080 -> [::1]:8081");
}

TEST(ConfigDiff, DaemonKeysAndThoseThatWaitForARestart) {
    const std::string feeds = "[feed a]\nurl = http://example.org/a\n";
    const ConfigDiff diff =
        diff_configs(parse_ok(feeds), parse_ok("[daemon]\ninterval = 5m\nmax_body = 1M\nlog_level = debug\n" + feeds));
    EXPECT_EQ(describe(diff), "feeds +0 -0 ~0, daemon ~(interval, log_level, max_body)");
    EXPECT_EQ(keys_needing_restart(diff), (std::vector<std::string>{"log_level", "max_body"}));
}

TEST(ConfigDiff, ALongListNamesSomeAndCountsTheRest) {
    std::string before;
    std::string after;
    for (int i = 0; i < 5; ++i) before += "[feed old" + std::to_string(i) + "]\nurl = http://example.org/\n";
    for (int i = 0; i < 5; ++i) after += "[feed new" + std::to_string(i) + "]\nurl = http://example.org/\n";
    const ConfigDiff diff = diff_configs(parse_ok(before), parse_ok(after));
    EXPECT_EQ(describe(diff, 3), "feeds +5 -5 ~0 (+new0; +new1; +new2; 7 more)");
}

}  // namespace
}  // namespace tributary::config
