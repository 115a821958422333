#include "config/config.hpp"

#include <gtest/gtest.h>

namespace tributary::config {
namespace {

namespace fs = std::filesystem;
const fs::path kFile = "/etc/tributary/feeds.conf";

Config parse_ok(std::string_view text) {
    auto config = parse_config(text, kFile);
    EXPECT_TRUE(config.has_value()) << (config ? "" : config.error().message);
    return config ? *config : Config{};
}

std::string parse_error(std::string_view text) {
    auto config = parse_config(text, kFile);
    EXPECT_FALSE(config.has_value());
    return config ? std::string{} : config.error().message;
}

TEST(ConfigParse, ReadsEveryDocumentedKey) {
    const Config config = parse_ok(R"(
# comment
[daemon]
database = state/tributary.db        # relative to the config file
listen = 0.0.0.0:0
interval = 15m
allow_private = no
log_level = debug
timeout = 45s
max_body = 8M

[output merged]
path = /srv/www/merged.xml
url = /merged.xml
title = أخبار المغرب
max_items = 50

[feed hespress]
url = https://www.hespress.com/feed#top
tags = ar, maroc ,,
interval = 10m
allow_private = yes
)");
    EXPECT_EQ(config.daemon.database, "/etc/tributary/state/tributary.db");
    EXPECT_EQ(config.daemon.listen_host, "0.0.0.0");
    EXPECT_EQ(config.daemon.listen_port, 0);
    EXPECT_EQ(config.daemon.schedule.default_interval, Seconds{900});
    EXPECT_FALSE(config.daemon.allow_private);
    EXPECT_EQ(config.daemon.log_level, "debug");
    EXPECT_EQ(config.daemon.fetch.total_timeout, Seconds{45});
    EXPECT_EQ(config.daemon.fetch.max_body_bytes, 8u << 20);
    ASSERT_EQ(config.outputs.size(), 1u);
    EXPECT_EQ(config.outputs[0].path, "/srv/www/merged.xml");
    EXPECT_EQ(config.outputs[0].title, "أخبار المغرب");
    EXPECT_EQ(config.outputs[0].max_items, 50u);
    ASSERT_EQ(config.feeds.size(), 1u);
    const FeedSpec& feed = config.feeds[0];
    EXPECT_EQ(feed.name, "hespress");
    EXPECT_EQ(feed.url, "https://www.hespress.com/feed#top");  // '#' inside a value is not a comment
    EXPECT_EQ(feed.tags, (std::vector<std::string>{"ar", "maroc"}));
    EXPECT_EQ(feed.interval, Seconds{600});
    EXPECT_EQ(feed.allow_private, true);
    EXPECT_EQ(feed.source_line, 18);
}

TEST(ConfigParse, DefaultsApplyWhenSectionsAreMissing) {
    const Config config = parse_ok("[feed a]\nurl = http://example.org/rss\n");
    EXPECT_EQ(config.daemon.database, "/etc/tributary/tributary.db");
    EXPECT_EQ(config.daemon.listen_port, 8080);
    ASSERT_EQ(config.outputs.size(), 1u);
    EXPECT_EQ(config.outputs[0].path, "/etc/tributary/merged.xml");
    EXPECT_EQ(config.outputs[0].url, "/merged.xml");
    EXPECT_FALSE(config.feeds[0].interval.has_value());
    EXPECT_TRUE(config.feeds[0].enabled);
}

TEST(ConfigParse, ReportsEveryErrorWithFileAndLine) {
    const std::string message = parse_error(R"([daemon]
colour = blue
interval = soon
[feed a]
url = ftp://example.org/
[feed a]
url = http://example.org/
[feed b]
tags = x
[bogus]
listen = nowhere
)");
    EXPECT_NE(message.find("/etc/tributary/feeds.conf:2: unknown key 'colour' in [daemon]"), std::string::npos)
        << message;
    EXPECT_NE(message.find("feeds.conf:3: bad value 'soon' for 'interval'"), std::string::npos) << message;
    EXPECT_NE(message.find("feeds.conf:5: bad value 'ftp://example.org/' for 'url' in [feed a]"), std::string::npos)
        << message;
    EXPECT_NE(message.find("feeds.conf:6: duplicate feed name 'a' (first defined at line 4)"), std::string::npos)
        << message;
    EXPECT_NE(message.find("feeds.conf:8: [feed b] has no url"), std::string::npos) << message;
    EXPECT_NE(message.find("feeds.conf:10: unknown section [bogus]"), std::string::npos) << message;
    // The keys of a rejected section are not reported a second time.
    EXPECT_EQ(message.find(":11:"), std::string::npos) << message;
    EXPECT_EQ(std::count(message.begin(), message.end(), '\n'), 5) << message;
}

TEST(ConfigParse, RetentionIsADurationOfAWeekOrMoreOrOff) {
    EXPECT_EQ(parse_ok("[feed a]\nurl = http://example.org/rss\n").daemon.retention, Seconds{90 * 86400});
    EXPECT_EQ(parse_ok("[daemon]\nretention = 30d\n[feed a]\nurl = http://example.org/rss\n").daemon.retention,
              Seconds{30 * 86400});
    EXPECT_EQ(parse_ok("[daemon]\nretention = off\n[feed a]\nurl = http://example.org/rss\n").daemon.retention,
              Seconds{0});
    const std::string message = parse_error("[daemon]\nretention = 2d\n[feed a]\nurl = http://example.org/rss\n");
    EXPECT_NE(
        message.find("feeds.conf:2: bad value '2d' for 'retention' in [daemon]: expected a duration of 7d or more"),
        std::string::npos)
        << message;
}

TEST(ConfigParse, OutputFormatIsRssAtomOrJson) {
    EXPECT_EQ(parse_ok("[output m]\nformat = Atom\n[feed a]\nurl = http://example.org/rss\n").outputs[0].format,
              OutputSpec::Format::atom);
    EXPECT_EQ(parse_ok("[output m]\nformat = json\n[feed a]\nurl = http://example.org/rss\n").outputs[0].format,
              OutputSpec::Format::json);
    EXPECT_EQ(parse_ok("[feed a]\nurl = http://example.org/rss\n").outputs[0].format, OutputSpec::Format::rss);
    const std::string message = parse_error("[output m]\nformat = rdf\n[feed a]\nurl = http://example.org/rss\n");
    EXPECT_NE(message.find("feeds.conf:2: bad value 'rdf' for 'format' in [output m]: expected rss, atom or json"),
              std::string::npos)
        << message;
}

using Rep = OutputSpec::Representation;
using Format = OutputSpec::Format;

// Each output in the three formats: RSS at its url, Atom and JSON Feed beside it, each also a file.
TEST(ConfigParse, EveryOutputIsPublishedInThreeFormats) {
    const Config c = parse_ok("[output m]\npath = out/m.xml\n[feed a]\nurl = http://example.org/rss\n");
    const fs::path dir = fs::absolute("/etc/tributary");
    ASSERT_EQ(c.outputs.size(), 1u);
    EXPECT_EQ(c.outputs[0].representations, (std::vector<Rep>{{Format::rss, "/m.xml", dir / "out/m.xml"},
                                                              {Format::atom, "/m.atom", dir / "out/m.atom"},
                                                              {Format::json, "/m.json", dir / "out/m.json"}}));
    // The default output too.
    const Config d = parse_ok("[feed a]\nurl = http://example.org/rss\n");
    ASSERT_EQ(d.outputs[0].representations.size(), 3u);
    EXPECT_EQ(d.outputs[0].representations[2], (Rep{Format::json, "/merged.json", dir / "merged.json"}));
}

TEST(ConfigParse, FormatsAndTheirPlacesCanBeChosen) {
    const Config c = parse_ok(
        "[output m]\nformat = atom\nurl = /m.atom\npath = m.atom\nformats = json\njson_url = /feeds/m.json\n"
        "json_path = /srv/m.json\n[feed a]\nurl = http://example.org/rss\n");
    const fs::path dir = fs::absolute("/etc/tributary");
    EXPECT_EQ(c.outputs[0].representations, (std::vector<Rep>{{Format::atom, "/m.atom", dir / "m.atom"},
                                                              {Format::json, "/feeds/m.json", "/srv/m.json"}}));
    const std::string message =
        parse_error("[output m]\nformats = rss, gopher\nrss_url = feed.xml\n[feed a]\nurl = http://example.org/rss\n");
    EXPECT_NE(message.find("feeds.conf:2: bad value 'rss, gopher' for 'formats'"), std::string::npos) << message;
    EXPECT_NE(message.find("feeds.conf:3: bad value 'feed.xml' for 'rss_url'"), std::string::npos) << message;
}

// An existing config with an Atom output beside the RSS one keeps working: the place each names
// stays theirs, and a format that would land on another output's place is left out, with a note.
TEST(ConfigParse, AFormatBesideAnotherOutputsPlaceGivesWay) {
    const Config c = parse_ok(
        "[output merged]\npath = out/merged.xml\nurl = /merged.xml\n\n[output atom]\npath = out/merged.atom\n"
        "url = /merged.atom\nformat = atom\n[feed a]\nurl = http://example.org/rss\n");
    ASSERT_EQ(c.outputs.size(), 2u);
    std::vector<std::string> merged, atom;
    for (const Rep& r : c.outputs[0].representations) merged.push_back(r.url);
    for (const Rep& r : c.outputs[1].representations) atom.push_back(r.url);
    EXPECT_EQ(merged, (std::vector<std::string>{"/merged.xml", "/merged.json"}));
    EXPECT_EQ(atom, (std::vector<std::string>{"/merged.atom"}));
    ASSERT_GE(c.notes.size(), 2u);
    EXPECT_NE(c.notes[0].find("feeds.conf:1: [output merged] is not published as atom: /merged.atom is another "
                              "output's"),
              std::string::npos)
        << c.notes[0];
}

TEST(ConfigParse, PublicUrlIsAnAbsoluteHttpUrlEndingInASlash) {
    const Config c = parse_ok(
        "[daemon]\npublic_url = https://news.example.org\n[output m]\npublic_url = http://m.example/feeds/\n"
        "[feed a]\nurl = http://example.org/rss\n");
    EXPECT_EQ(c.daemon.public_url, "https://news.example.org/");
    EXPECT_EQ(c.outputs[0].public_url, "http://m.example/feeds/");
    EXPECT_TRUE(c.notes.empty());
    for (const std::string bad : {"javascript:alert(1)", "/relative/", "https://user:pw@news.example/",
                                  "https://news.example/?a=1", "https://news.example/#top", "ftp://news.example/",
                                  "https://", "https://news.example/a b", "https://news.example/\"<"}) {
        SCOPED_TRACE(bad);
        const std::string message =
            parse_error("[daemon]\npublic_url = " + bad + "\n[feed a]\nurl = http://example.org/rss\n");
        EXPECT_NE(message.find("feeds.conf:2: bad value"), std::string::npos) << message;
        EXPECT_NE(message.find("for 'public_url' in [daemon]"), std::string::npos) << message;
    }
}

// Without one, links name the listen address: check says so, once however many outputs there are.
TEST(ConfigParse, WithoutPublicUrlOneNoteNamesTheListenAddress) {
    const Config c =
        parse_ok("[daemon]\nlisten = 0.0.0.0:8081\n[output a]\n[output b]\n[feed a]\nurl = http://example.org/rss\n");
    ASSERT_EQ(c.notes.size(), 1u);
    EXPECT_EQ(c.notes[0],
              "/etc/tributary/feeds.conf:1: no public_url in [daemon]: the published feeds link to the "
              "listen address http://localhost:8081/; set public_url to the address subscribers reach");
}

TEST(ConfigParse, OutputsSelectFeedsAndHaveTheirOwnFields) {
    const Config c = parse_ok(
        "[output sport]\ntitle = Sport\ndescription = Les sports\nlanguage = fr-MA\nmax_items = 20\n"
        "content = summary\ninclude_tags = sport, foot\nexclude_tags = paywall\nfeeds = b\n"
        "[feed a]\nurl = http://a.example/rss\ntags = sport, paywall\n"
        "[feed b]\nurl = http://b.example/rss\ntags = foot\n");
    const OutputSpec& o = c.outputs[0];
    EXPECT_EQ(o.title, "Sport");
    EXPECT_EQ(o.description, "Les sports");
    EXPECT_EQ(o.language, "fr-MA");
    EXPECT_EQ(o.max_items, 20u);
    EXPECT_EQ(o.content, OutputSpec::Content::summary);
    EXPECT_EQ(o.include_tags, (std::vector<std::string>{"sport", "foot"}));
    EXPECT_EQ(o.exclude_tags, (std::vector<std::string>{"paywall"}));
    EXPECT_EQ(o.feeds, (std::vector<std::string>{"b"}));
}

// A typo in a selection would silently empty an output: every name must exist, checked once every
// feed is known (the feeds may come after the output).
TEST(ConfigParse, UnknownTagsAndFeedsInAnOutputAreErrorsWithTheirLines) {
    const std::string message = parse_error(
        "[output m]\ninclude_tags = sport, sprot\nexclude_tags = paywal\nfeeds = a, c\nlanguage = x\n"
        "content = some\n[feed a]\nurl = http://a.example/rss\ntags = sport\n");
    for (const std::string line :
         {"feeds.conf:2: [output m] include_tags: no feed has the tag 'sprot'",
          "feeds.conf:3: [output m] exclude_tags: no feed has the tag 'paywal'",
          "feeds.conf:4: [output m] feeds: no [feed c]", "feeds.conf:5: bad value 'x' for 'language'",
          "feeds.conf:6: bad value 'some' for 'content'"})
        EXPECT_NE(message.find(line), std::string::npos) << line << "\n" << message;
    EXPECT_EQ(message.find("'sport'"), std::string::npos) << message;
}

TEST(ConfigParse, AnOutputCannotTakeTheDaemonsOwnPaths) {
    const std::string message = parse_error("[output m]\nurl = /metrics\n[feed a]\nurl = http://example.org/rss\n");
    EXPECT_NE(message.find("feeds.conf:2: bad value '/metrics' for 'url' in [output m]"), std::string::npos) << message;
    for (const std::string path : {"/status", "/status.json", "/feed.xsl", "/healthz"}) {
        const std::string m =
            parse_error("[output m]\njson_url = " + path + "\n[feed a]\nurl = http://example.org/rss\n");
        EXPECT_NE(m.find("feeds.conf:2: bad value '" + path + "' for 'json_url'"), std::string::npos) << m;
    }
}

TEST(ConfigParse, RejectsDuplicateKeysAndStrayLines) {
    const std::string message = parse_error("[feed a]\nurl = http://a.example/\nurl = http://b.example/\njust words\n");
    EXPECT_NE(message.find(":3: duplicate key 'url' in [feed a]"), std::string::npos) << message;
    EXPECT_NE(message.find(":4: expected 'key = value' or '[section]'"), std::string::npos) << message;
}

TEST(ConfigParse, RejectsKeysBeforeAnySectionAndBadNames) {
    const std::string message = parse_error("url = http://a.example/\n[feed has space]\n[feed]\n");
    EXPECT_NE(message.find(":1: key 'url' outside of any section"), std::string::npos) << message;
    EXPECT_NE(message.find(":2: [feed] needs a name"), std::string::npos) << message;
    EXPECT_NE(message.find(":3: [feed] needs a name"), std::string::npos) << message;
}

TEST(ConfigParse, ReadsPerFeedFetchOptions) {
    const Config config = parse_ok(R"([daemon]
min_host_spacing = 2s
low_speed_limit = 1K
low_speed_time = 20s
max_header = 32K
[feed intranet]
url = https://intranet.example/feed
encoding = windows-1256
header = X-Token: abc | Accept-Language: ar
username = reader
password_file = secrets/intranet.pass
proxy = http://proxy.example:3128
user_agent = Custom/1.0
ca_file = /etc/ssl/intranet.pem
verify_tls = no
)");
    EXPECT_EQ(config.daemon.fetch.min_host_spacing, Seconds{2});
    EXPECT_EQ(config.daemon.fetch.low_speed_bytes, 1024);
    EXPECT_EQ(config.daemon.fetch.low_speed_time, Seconds{20});
    EXPECT_EQ(config.daemon.fetch.max_header_bytes, 32u << 10);
    const FeedSpec& feed = config.feeds.at(0);
    EXPECT_EQ(feed.encoding, "windows-1256");
    EXPECT_EQ(feed.headers,
              (std::vector<std::pair<std::string, std::string>>{{"X-Token", "abc"}, {"Accept-Language", "ar"}}));
    EXPECT_EQ(feed.username, "reader");
    EXPECT_EQ(feed.password_file, "/etc/tributary/secrets/intranet.pass");
    EXPECT_EQ(feed.proxy, "http://proxy.example:3128");
    EXPECT_EQ(feed.user_agent, "Custom/1.0");
    EXPECT_EQ(feed.ca_file, "/etc/ssl/intranet.pem");
    EXPECT_FALSE(feed.verify_tls);
}

TEST(ConfigParse, RejectsMalformedHeaders) {
    const std::string message = parse_error("[feed a]\nurl = http://a.example/\nheader = NoColonHere\n");
    EXPECT_NE(message.find(":3: bad value 'NoColonHere' for 'header' in [feed a]"), std::string::npos) << message;
}

TEST(ConfigParse, UserInfoInAUrlBecomesCredentialsAndLeavesTheUrl) {
    const Config config = parse_ok("[feed a]\nurl = https://reader:s%40cret:x@intranet.example:8443/feed?x=1\n");
    const FeedSpec& feed = config.feeds.at(0);
    EXPECT_EQ(feed.url, "https://intranet.example:8443/feed?x=1");
    EXPECT_EQ(feed.username, "reader");
    EXPECT_EQ(feed.url_password, "s@cret:x");
}

TEST(ConfigParse, CredentialsInBothUrlAndKeysAreAnErrorThatShowsNoSecret) {
    const std::string message =
        parse_error("[feed a]\nurl = http://u:topsecret@a.example/\npassword_file = /run/secret\n");
    EXPECT_NE(message.find("feeds.conf:2: [feed a] has credentials both in its url and in username"), std::string::npos)
        << message;
    EXPECT_EQ(message.find("topsecret"), std::string::npos) << message;
    // A url rejected for another reason is shown without its user info either.
    const std::string bad = parse_error("[feed a]\nurl = http://u:topsecret@/feed\n");
    EXPECT_NE(bad.find("bad value 'http://***@/feed' for 'url'"), std::string::npos) << bad;
    EXPECT_EQ(bad.find("topsecret"), std::string::npos) << bad;
}

TEST(ConfigParse, AConfigWithoutAnEnabledFeedNeedsAnExplicitOptIn) {
    const std::string empty = parse_error("");
    EXPECT_NE(empty.find("feeds.conf:1: no [feed NAME] section"), std::string::npos) << empty;
    EXPECT_NE(empty.find("allow_no_feeds = yes"), std::string::npos) << empty;
    const std::string comments_only = parse_error("# feeds go here\n[daemon]\ninterval = 5m\n");
    EXPECT_NE(comments_only.find("feeds.conf:3: no [feed NAME] section"), std::string::npos) << comments_only;
    const std::string disabled = parse_error("[feed a]\nurl = http://a.example/\nenabled = no\n");
    EXPECT_NE(disabled.find("every feed is disabled"), std::string::npos) << disabled;
    EXPECT_TRUE(parse_ok("[daemon]\nallow_no_feeds = yes\n").feeds.empty());
}

TEST(ConfigParse, PathsThatCollideAreErrorsWithTheirLines) {
    const std::string feed = "[feed a]\nurl = http://a.example/\n";
    const std::string on_db = parse_error("[daemon]\ndatabase = state/t.db\n[output m]\npath = state/t.db\n" + feed);
    EXPECT_NE(on_db.find("feeds.conf:3: [output m] path /etc/tributary/state/t.db is the database (line 2)"),
              std::string::npos)
        << on_db;
    const std::string on_wal = parse_error("[daemon]\ndatabase = t.db\n[output m]\npath = t.db-wal\n" + feed);
    EXPECT_NE(on_wal.find("feeds.conf:3: [output m] path /etc/tributary/t.db-wal is the database's write-ahead log"),
              std::string::npos)
        << on_wal;
    const std::string on_config = parse_error("[output m]\npath = ./feeds.conf\n" + feed);
    EXPECT_NE(on_config.find("feeds.conf:1: [output m] path /etc/tributary/feeds.conf is the configuration file"),
              std::string::npos)
        << on_config;
    const std::string twice =
        parse_error("[output m]\npath = out.xml\nurl = /m.xml\n[output n]\npath = ./out.xml\n" + feed);
    EXPECT_NE(twice.find("feeds.conf:4: [output n] path /etc/tributary/out.xml is the path of [output m] (line 1)"),
              std::string::npos)
        << twice;
    const std::string default_db = parse_error("[output m]\npath = tributary.db\n" + feed);
    EXPECT_NE(default_db.find("is the database (line 1)"), std::string::npos) << default_db;
    const std::string db_is_config = parse_error("[daemon]\ndatabase = feeds.conf\n" + feed);
    EXPECT_NE(db_is_config.find("feeds.conf:2: database /etc/tributary/feeds.conf is the configuration file"),
              std::string::npos)
        << db_is_config;
}

// database = postgresql://… keeps the store in PostgreSQL; its password never sits in the URL,
// which logs, `check` and `status` show.
TEST(ConfigParse, APostgresqlDatabaseIsAUrlWithoutAPasswordAndAPasswordKey) {
    const std::string feed = "[feed a]\nurl = http://a.example/\n";
    const Config pg = parse_ok(
        "[daemon]\ndatabase = postgresql://tributary@db.example:5433/news?sslmode=require\n"
        "database_password_file = secrets/db\n[output m]\npath = tributary.db\n" +
        feed);
    EXPECT_EQ(pg.daemon.database_url, "postgresql://tributary@db.example:5433/news?sslmode=require");
    EXPECT_EQ(pg.daemon.database_password_file, "/etc/tributary/secrets/db");
    EXPECT_EQ(pg.daemon.database_password_env, "");
    EXPECT_EQ(parse_ok("[daemon]\ndatabase = postgres://db.example/news\ndatabase_password_env = PGPW\n" + feed)
                  .daemon.database_password_env,
              "PGPW");
    EXPECT_EQ(parse_ok("[daemon]\ndatabase = state/t.db\n" + feed).daemon.database_url, "");

    for (const std::string url : {"postgresql://tributary:hunter2-secret@db.example/news",
                                  "postgresql://db.example/news?sslmode=require&password=hunter2-secret"}) {
        const std::string message = parse_error("[daemon]\ndatabase = " + url + "\n" + feed);
        EXPECT_NE(message.find("feeds.conf:2: database: the URL holds a password"), std::string::npos) << message;
        EXPECT_NE(message.find("database_password_file"), std::string::npos) << message;
    }
    const std::string without_url = parse_error("[daemon]\ndatabase_password_env = PGPW\n" + feed);
    EXPECT_NE(without_url.find("feeds.conf:2: a database password is set, but database is not a postgresql:// URL"),
              std::string::npos)
        << without_url;
    const std::string both = parse_error(
        "[daemon]\ndatabase = postgresql://db.example/news\ndatabase_password_env = PGPW\n"
        "database_password_file = /run/pw\n" +
        feed);
    EXPECT_NE(both.find("both database_password_file and database_password_env are set: keep one"), std::string::npos)
        << both;
}

TEST(ConfigParse, SharingADatabaseNeedsPostgresqlAndALeaseOfASecondOrMore) {
    const std::string feed = "[feed a]\nurl = http://a.example/\n";
    const Config shared = parse_ok(
        "[daemon]\ndatabase = postgresql://db.example/news\nshare_database = yes\n"
        "lease_time = 2m\n" +
        feed);
    EXPECT_TRUE(shared.daemon.share_database);
    EXPECT_EQ(shared.daemon.lease_time, std::chrono::minutes{2});
    EXPECT_FALSE(parse_ok("[daemon]\ndatabase = postgresql://db.example/news\n" + feed).daemon.share_database);
    EXPECT_EQ(parse_ok(feed).daemon.lease_time, std::chrono::minutes{10});

    const std::string on_sqlite = parse_error("[daemon]\nshare_database = yes\n" + feed);
    EXPECT_NE(on_sqlite.find("feeds.conf:2: share_database = yes needs a postgresql:// database"), std::string::npos)
        << on_sqlite;
    const std::string zero = parse_error("[daemon]\ndatabase = postgresql://db.example/news\nlease_time = 0s\n" + feed);
    EXPECT_NE(zero.find("feeds.conf:3: bad value '0s' for 'lease_time'"), std::string::npos) << zero;
}

TEST(ConfigParse, BinaryInputIsOneLineWithoutItsBytes) {
    const std::string sqlite_header("SQLite format 3\0\x10\x00\x01\x01\xff\xfe", 22);
    const std::string message = parse_error(sqlite_header + "\n[feed a]\n");
    EXPECT_EQ(message,
              "/etc/tributary/feeds.conf:1: not a text file (byte 0x00 at offset 15): is this the right file?");
    const std::string latin1 = parse_error("[feed a]\nurl = http://a.example/\n# caf\xe9\n");
    EXPECT_NE(latin1.find("feeds.conf:3: not a text file (byte 0xe9 at offset"), std::string::npos) << latin1;
}

TEST(ConfigParse, ControlCharactersInAnEchoedLineAreEscaped) {
    // A stray line is shown back to the operator; a terminal escape in it must not be replayed.
    const std::string message = parse_error("[feed a]\nurl = http://a.example/\njust \x1b[2Jwords\n");
    EXPECT_EQ(message.find('\x1b'), std::string::npos);
}

TEST(ConfigParse, FileModeIsOctalPerOutputElseTheDaemons) {
    const Config config = parse_ok(R"([output a]
path = a.xml
file_mode = 0604

[output b]
path = b.xml

[daemon]
file_mode = 640
allow_no_feeds = yes
)");
    ASSERT_EQ(config.outputs.size(), 2u);
    EXPECT_EQ(config.daemon.file_mode, 0640u);
    EXPECT_EQ(config.outputs[0].file_mode, 0604u);  // its own
    EXPECT_EQ(config.outputs[1].file_mode, 0640u);  // the daemon's, though [daemon] comes later
    EXPECT_EQ(parse_ok("[daemon]\nallow_no_feeds = yes\n").outputs.at(0).file_mode, 0644u);
    EXPECT_EQ(parse_ok("[daemon]\nallow_no_feeds = yes\nfile_mode = 0o600\n").daemon.file_mode, 0600u);
}

TEST(ConfigParse, ABadOrWorldWritableFileModeIsAnErrorAtItsLine) {
    const std::string message = parse_error(R"([daemon]
allow_no_feeds = yes
file_mode = 0666

[output a]
path = a.xml
file_mode = rw-r--r--

[output b]
path = b.xml
file_mode = 04755

[output c]
path = c.xml
file_mode = 0648
)");
    EXPECT_NE(message.find("feeds.conf:3: bad value '0666' for 'file_mode' in [daemon]: expected permission bits in "
                           "octal such as 0644"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("feeds.conf:7: bad value 'rw-r--r--' for 'file_mode' in [output a]"), std::string::npos)
        << message;
    EXPECT_NE(message.find("feeds.conf:11: bad value '04755' for 'file_mode' in [output b]"), std::string::npos)
        << message;
    EXPECT_NE(message.find("feeds.conf:15: bad value '0648' for 'file_mode' in [output c]"), std::string::npos)
        << message;
    EXPECT_EQ(std::count(message.begin(), message.end(), '\n'), 3) << message;
}

TEST(ConfigParse, HubIsPerOutputElseTheDaemonsAndNoneTurnsItOff) {
    const Config config = parse_ok(R"([daemon]
allow_no_feeds = yes
hub = https://hub.example/

[output a]
path = a.xml
hub = https://other.example/websub?token=x

[output b]
path = b.xml

[output c]
path = c.xml
hub = none
)");
    ASSERT_EQ(config.outputs.size(), 3u);
    EXPECT_EQ(config.outputs[0].hub, "https://other.example/websub?token=x");
    EXPECT_EQ(config.outputs[1].hub, "https://hub.example/");
    EXPECT_EQ(config.outputs[2].hub, "");
    EXPECT_EQ(parse_ok("[daemon]\nallow_no_feeds = yes\n").outputs.at(0).hub, "");
}

TEST(ConfigParse, ABadHubIsAnErrorAtItsLineWithoutItsPassword) {
    const std::string message = parse_error(R"([daemon]
allow_no_feeds = yes
hub = ftp://hub.example/

[output a]
path = a.xml
hub = https://user:s3cret@hub.example/
)");
    EXPECT_NE(message.find("feeds.conf:3: bad value 'ftp://hub.example/' for 'hub' in [daemon]"), std::string::npos)
        << message;
    EXPECT_NE(message.find("feeds.conf:7: bad value 'https://***@hub.example/' for 'hub' in [output a]"),
              std::string::npos)
        << message;
    EXPECT_EQ(message.find("s3cret"), std::string::npos) << message;
}

TEST(ConfigParse, ReadsHttpLimits) {
    const Config config = parse_ok(
        "[daemon]\nhttp_max_connections = 2000\nhttp_header_timeout = 3s\nhttp_idle_timeout = 20s\n[feed a]\nurl = "
        "http://a.example/\n");
    EXPECT_EQ(config.daemon.http.max_connections, 2000u);
    EXPECT_EQ(config.daemon.http.header_timeout, Seconds{3});
    EXPECT_EQ(config.daemon.http.idle_timeout, Seconds{20});
}

TEST(ConfigParse, ReadsTimezonePriorityAndDedup) {
    const Config config = parse_ok(
        "[output all]\ndedup = item\n[output links]\ndedup = URL\nurl = /links.xml\n[feed a]\nurl = "
        "http://a.example/\ntimezone = Europe/Paris\npriority = 10\n");
    EXPECT_EQ(config.outputs.at(0).dedup, OutputSpec::Dedup::item);
    EXPECT_EQ(config.outputs.at(1).dedup, OutputSpec::Dedup::url);
    EXPECT_EQ(config.feeds.at(0).timezone, "Europe/Paris");
    EXPECT_EQ(config.feeds.at(0).priority, 10);
    EXPECT_EQ(parse_ok("[feed a]\nurl = http://a.example/\n").outputs.at(0).dedup, OutputSpec::Dedup::story);
    const std::string message = parse_error(
        "[output m]\ndedup = fuzzy\n[feed a]\nurl = http://a.example/\ntimezone = Mars/Olympus\npriority = 101\n");
    EXPECT_NE(message.find(":2: bad value 'fuzzy' for 'dedup' in [output m]: expected story, url or item"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find(":5: bad value 'Mars/Olympus' for 'timezone'"), std::string::npos) << message;
    EXPECT_NE(message.find(":6: bad value '101' for 'priority'"), std::string::npos) << message;
}

TEST(ConfigLoad, ADirectoryIsRefused) {
    const auto config = load_config(std::filesystem::temp_directory_path());
    ASSERT_FALSE(config);
    EXPECT_NE(config.error().message.find("is a directory, not a configuration file"), std::string::npos)
        << config.error().message;
}

TEST(ConfigLoad, MissingFileNamesTheFile) {
    const auto config = load_config("/nonexistent/dir/feeds.conf");
    ASSERT_FALSE(config);
    EXPECT_EQ(config.error().kind, ErrorKind::Config);
    EXPECT_NE(config.error().message.find("/nonexistent/dir/feeds.conf: cannot open"), std::string::npos);
}

TEST(ConfigLoad, ShippedFeedsConfIsValid) {
    const auto config = load_config(std::filesystem::path(TRIBUTARY_SOURCE_DIR) / "feeds.conf");
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_GE(config->feeds.size(), 8u);
}

TEST(Duration, ParsesUnitsAndRejectsNonsense) {
    struct Case {
        const char* text;
        std::optional<Seconds> expected;
    };
    const Case cases[] = {
        {"90", Seconds{90}},    {"30s", Seconds{30}},     {"15m", Seconds{900}}, {"2h", Seconds{7200}},
        {"1d", Seconds{86400}}, {"1h30m", Seconds{5400}}, {"0", std::nullopt},   {"", std::nullopt},
        {"5x", std::nullopt},   {"m", std::nullopt},      {"-5m", std::nullopt}, {"1.5h", std::nullopt},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.text);
        EXPECT_EQ(parse_duration(c.text), c.expected);
    }
}

TEST(Size, ParsesSuffixes) {
    EXPECT_EQ(parse_size("16M"), std::optional<std::size_t>(16u << 20));
    EXPECT_EQ(parse_size("512k"), std::optional<std::size_t>(512u << 10));
    EXPECT_EQ(parse_size("1000"), std::optional<std::size_t>(1000));
    EXPECT_EQ(parse_size("lots"), std::nullopt);
}

TEST(Bool, AcceptsCommonSpellings) {
    EXPECT_EQ(parse_bool("Yes"), true);
    EXPECT_EQ(parse_bool("off"), false);
    EXPECT_EQ(parse_bool("maybe"), std::nullopt);
}

}  // namespace
}  // namespace tributary::config
