// The parser against feeds written by other projects (../shared/corpus, see its README):
//  - every file parses or fails cleanly, each within a time bound (no crash, no hang);
//  - the class A assertions of kurtmckee__feedparser/expectations.json hold, read through
//    to_json() as `tributary parse --json` prints it, at 95% or better;
//  - the rbren__rss-parser feeds yield items wherever that library found some.
//
// Deliberate differences: where our reading differs from feedparser's on purpose. They still
// count as failures in the pass rate (the rate is not flattered by them); the table documents
// each one, and a failure that is not in it is printed as unexpected.
//
// clang-format off
// | file (under tests/)                                 | field            | why we differ
// |-----------------------------------------------------|------------------|---------------------------------------------
// | encoding/http_text_*.xml                            | _oracle.encoding | RFC 3023 made text/xml without a charset mean
// |                                                     |                  | us-ascii; RFC 7303 (2014) withdrew that: the
// |                                                     |                  | XML declaration (or UTF-8) decides.
// | encoding/bozo_http_text_plain*.xml                  | _oracle.bozo     | We detect the format from the content (issue
// |                                                     |                  | 3.1): text/plain is no error for a feed.
// | wellformed/rss/rss_version_091_netscape.xml         | format_version   | "0.91" for Netscape and UserLand alike; only
// |                                                     |                  | the DOCTYPE tells them apart, nobody needs it.
// | entities/160.xml                                    | title            | Titles are whitespace-collapsed plain text;
// |                                                     |                  | U+00A0 counts as a space.
// | entities/lang.xml, entities/rang.xml                | title            | HTML5's entity table (&lang; = U+27E8), not
// |                                                     |                  | HTML 4's (U+2329).
// | illformed/chardet/*.xml                             | _oracle.encoding | No declaration, no header: ICU's detector
// |                                                     |                  | guesses; compared by family (GB18030 for
// |                                                     |                  | GB2312, windows-1252 for ASCII/Latin-1).
// |                                                     |                  | It knows no Thai (tis620.xml).
// | wellformed/http/headers_content_location-*.xml      | link             | We resolve against the final URL fetch gives
// |                                                     |                  | us; HTTP Content-Location is not used.
// | wellformed/itunes/itunes_core_element_uppercase.xml | title            | XML names are case-sensitive: <TiTlE> is not
// |                                                     |                  | <title>, whatever iTunes does.
// | wellformed/rss/item_madeup_tags_element.xml         | categories       | <tags> is in no RSS version; made-up
// |                                                     |                  | elements are not read.
// | wellformed/base/http_entry_id_base_*.xml            | items[0].id      | An id is an identifier, kept as written: a
// |                                                     |                  | resolved id would change when a feed moves.
// | wellformed/cdf/*.xml                                | all              | Microsoft's Channel Definition Format (1997)
// |                                                     |                  | is no feed format we read: UnsupportedFormat.
// clang-format on
//
// Titles: feedparser keeps a title's HTML (its title_detail value), ours are plain text (the
// corpus README), so a title assertion is compared with html_to_text() of feedparser's value, or
// with the value itself where feedparser's title is plain text too (type="text" with a literal
// "<blink>" in it, which html_to_text would drop).

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/text.hpp"
#include "parse/parse_feed.hpp"

namespace tributary::parse {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

const fs::path kCorpus{TRIBUTARY_CORPUS_DIR};
const fs::path kFeedparser = kCorpus / "kurtmckee__feedparser";
const fs::path kRssParser = kCorpus / "rbren__rss-parser" / "test";
// What feedparser's own test server serves the files as.
constexpr std::string_view kServerRoot = "http://127.0.0.1:8097/";
constexpr auto kTimeBound = std::chrono::milliseconds{2000};

struct KnownDifference {
    std::string_view path_pattern;  // a path prefix, or a path with one '*'
    std::string_view field;
};

const KnownDifference kKnownDifferences[] = {
    {"tests/encoding/http_text_*", "_oracle.encoding"},
    {"tests/encoding/bozo_http_text_plain_charset.xml", "_oracle.bozo"},
    {"tests/wellformed/rss/rss_version_091_netscape.xml", "_oracle.format_version"},
    {"tests/entities/160.xml", "title"},
    {"tests/illformed/chardet/*", "_oracle.encoding"},
    {"tests/wellformed/http/headers_content_location-*", "link"},
    {"tests/entities/lang.xml", "title"},
    {"tests/entities/rang.xml", "title"},
    {"tests/encoding/bozo_http_text_plain.xml", "_oracle.bozo"},
    {"tests/wellformed/itunes/itunes_core_element_uppercase.xml", "title"},
    {"tests/wellformed/rss/item_madeup_tags_element.xml", "items[0].categories[0]"},
    {"tests/wellformed/rss/item_madeup_tags_element.xml", "items[0].categories[1]"},
    {"tests/wellformed/rss/item_madeup_tags_element.xml", "items[0].categories[2]"},
    {"tests/wellformed/base/http_entry_id_base_*", "items[0].id"},
    {"tests/wellformed/cdf/*", "*"},
};

bool matches(std::string_view pattern, std::string_view path) {
    const std::size_t star = pattern.find('*');
    if (star == std::string_view::npos) return pattern == path;
    return path.starts_with(pattern.substr(0, star)) && path.ends_with(pattern.substr(star + 1)) &&
           path.size() >= pattern.size() - 1;
}

bool is_known_difference(std::string_view path, std::string_view field) {
    return std::any_of(std::begin(kKnownDifferences), std::end(kKnownDifferences), [&](const KnownDifference& d) {
        return matches(d.path_pattern, path) && (d.field == "*" || field == d.field);
    });
}

std::string read_file(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream contents;
    contents << in.rdbuf();
    return contents.str();
}

// The "Header: Name: value" lines of a feedparser test's leading comment.
std::map<std::string, std::string> test_headers(std::string_view document) {
    std::map<std::string, std::string> headers;
    const std::size_t end = document.find("-->");
    const std::string_view comment = document.substr(0, end == std::string_view::npos ? 0 : end);
    std::size_t pos = 0;
    while ((pos = comment.find("Header:", pos)) != std::string_view::npos) {
        const std::size_t line_end = std::min(comment.find('\n', pos), comment.size());
        const std::string_view line = trim(comment.substr(pos + 7, line_end - pos - 7));
        pos = line_end;
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        headers[to_lower_ascii(trim(line.substr(0, colon)))] = std::string(trim(line.substr(colon + 1)));
    }
    return headers;
}

struct Served {
    std::string body;
    std::string content_type;
    std::string base_url;
};

Served serve(const std::string& relative) {
    Served served{.body = read_file(kFeedparser / relative), .content_type = {}, .base_url = {}};
    const auto headers = test_headers(served.body);
    if (const auto it = headers.find("content-type"); it != headers.end()) served.content_type = it->second;
    served.base_url = std::string(kServerRoot) + relative;
    if (const auto it = headers.find("content-location"); it != headers.end())
        served.base_url = resolve_url(served.base_url, it->second);
    return served;
}

// --------------------------------------------------------------------------- oracle fields ---

// Warnings that mean the document was not well-formed XML and had to be repaired: feedparser's
// "bozo". The others (an unparseable date, an HTTP charset overriding the declaration, …) are
// remarks about well-formed documents.
bool is_bozo(const ParsedFeed& feed) {
    static constexpr std::string_view kRepairs[] = {
        "not well-formed XML",
        "before the XML declaration",
        "HTML entities",
        "'&' that started no entity",
        "XML 1.0 does not allow",
        "as windows-1252",
        "&#X",
        "unreadable bytes before",
        "not valid UTF-8",
        "without a declaration",
        "escaped a '<'",
        "dropped the last item",
        "unknown encoding",
        "no encoding declared",
    };
    for (const std::string& warning : feed.warnings)
        for (const std::string_view repair : kRepairs)
            if (warning.find(repair) != std::string::npos) return true;
    return false;
}

std::string format_version(const ParsedFeed& feed) {
    switch (feed.format) {
        case FeedFormat::atom: return feed.version == "0.3" ? "atom03" : feed.version == "1.0" ? "atom10" : "atom";
        case FeedFormat::rdf: return feed.version == "0.90" ? "rss090" : "rss10";
        case FeedFormat::rss: {
            if (feed.version.empty()) return "rss";
            if (feed.version.starts_with("2.")) return "rss20";
            if (feed.version == "0.91") return "rss091u";
            std::string compact = feed.version;
            std::erase(compact, '.');
            return "rss" + compact;
        }
        case FeedFormat::json: return "json" + feed.version;
        case FeedFormat::unknown: break;
    }
    return "";
}

// Encoding labels compared as families: WHATWG reads ASCII and Latin-1 as windows-1252, and
// GB2312 as GB18030; UTF-16/32 with or without a byte order.
std::string encoding_family(std::string_view label) {
    std::string lower = to_lower_ascii(trim(label));
    std::erase(lower, '_');
    if (lower == "us-ascii" || lower == "ascii" || lower == "iso-8859-1" || lower == "latin1") return "windows-1252";
    if (lower == "gb2312" || lower == "gbk") return "gb18030";
    if (lower == "shift_jis" || lower == "shiftjis" || lower == "sjis") return "shift-jis";
    if (lower == "utf-16" || lower == "utf16") return "utf-16be";
    if (lower == "utf-32" || lower == "utf32") return "utf-32be";
    return lower;
}

// ------------------------------------------------------------------------ field evaluation ---

// "items[0].enclosures[1].url" into the document returned by to_json, or nullptr.
const Json* lookup(const Json& document, std::string_view path) {
    if (path.starts_with("feed.")) path.remove_prefix(5);
    const Json* current = &document;
    while (!path.empty()) {
        const std::size_t dot = path.find('.');
        std::string_view part = path.substr(0, dot);
        path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
        std::optional<std::size_t> index;
        if (const std::size_t bracket = part.find('['); bracket != std::string_view::npos) {
            index = std::stoul(std::string(part.substr(bracket + 1)));
            part = part.substr(0, bracket);
        }
        if (!current->is_object() || !current->contains(std::string(part))) return nullptr;
        current = &(*current)[std::string(part)];
        if (index) {
            if (!current->is_array() || *index >= current->size()) return nullptr;
            current = &(*current)[*index];
        }
    }
    return current;
}

std::string show(const Json* value) { return value == nullptr ? "<missing>" : value->dump(); }

bool equal_values(const Json* ours, const Json& expected) {
    if (ours == nullptr) return false;
    if (expected.is_null()) return ours->is_null() || (ours->is_string() && ours->get<std::string>().empty());
    if (expected.is_string() && ours->is_number()) return ours->dump() == expected.get<std::string>();
    return *ours == expected;
}

struct Outcome {
    bool passed = false;
    std::string detail;
};

Outcome check(const Json& assertion, const ParsedFeed& feed, const Json& reading) {
    const std::string field = assertion.at("field").get<std::string>();
    const std::string op = assertion.at("op").get<std::string>();
    const Json& expected = assertion.at("value");
    Json oracle;
    const Json* ours = nullptr;
    if (field == "_oracle.bozo") {
        oracle = is_bozo(feed);
        ours = &oracle;
    } else if (field == "_oracle.encoding") {
        oracle = encoding_family(feed.encoding.used);
        ours = &oracle;
        const Json family = encoding_family(expected.get<std::string>());
        return {oracle == family, "encoding " + oracle.dump() + " vs " + family.dump()};
    } else if (field == "_oracle.format_version") {
        oracle = format_version(feed);
        ours = &oracle;
    } else {
        ours = lookup(reading, field);
        if ((ours == nullptr || ours->is_null()) && assertion.contains("fallback_field"))
            ours = lookup(reading, assertion.at("fallback_field").get<std::string>());
        // feedparser's titles are HTML (its title_detail value); ours are that HTML's text.
        if ((field == "title" || field.ends_with("].title")) && expected.is_string()) {
            const Json as_text = html_to_text(expected.get<std::string>());
            const bool same = op == "==" && ours != nullptr && (*ours == as_text || *ours == expected);
            return {same, field + " == text of " + expected.dump() + " = " + as_text.dump() + ", ours " + show(ours)};
        }
    }
    bool passed = false;
    if (op == "==")
        passed = equal_values(ours, expected);
    else if (op == "!=")
        passed = ours != nullptr && !equal_values(ours, expected);
    else if (op == "len==")
        passed = ours != nullptr && ours->is_array() && ours->size() == expected.get<std::size_t>();
    return {passed, field + " " + op + " " + expected.dump() + ", ours " + show(ours)};
}

// ------------------------------------------------------------------------------------ tests ---

std::vector<fs::path> feed_files() {
    std::vector<fs::path> files;
    for (const fs::path& root : {kFeedparser / "tests", kRssParser / "input"}) {
        if (!fs::exists(root)) continue;
        for (const auto& entry : fs::recursive_directory_iterator(root))
            if (entry.is_regular_file()) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

TEST(Corpus, EveryFileParsesOrFailsCleanlyWithinTheTimeBound) {
    const std::vector<fs::path> files = feed_files();
    ASSERT_GT(files.size(), 2000u);
    std::size_t parsed = 0;
    std::size_t rejected = 0;
    auto slowest = std::chrono::nanoseconds{0};
    fs::path slowest_file;
    for (const fs::path& file : files) {
        const std::string body = read_file(file);
        const std::string content_type =
            test_headers(body).contains("content-type") ? test_headers(body).at("content-type") : std::string{};
        const auto start = std::chrono::steady_clock::now();
        const Result<ParsedFeed> feed = parse_feed(body, {.content_type = content_type, .base_url = kServerRoot});
        const auto elapsed = std::chrono::steady_clock::now() - start;
        EXPECT_LT(elapsed, kTimeBound) << file;
        if (elapsed > slowest) {
            slowest = elapsed;
            slowest_file = file;
        }
        if (feed) {
            ++parsed;
            (void)to_json(*feed);
        } else {
            ++rejected;
            EXPECT_FALSE(feed.error().message.empty()) << file;
            EXPECT_NE(feed.error().kind, ErrorKind::Internal) << file << ": " << feed.error().message;
        }
    }
    std::cout << "corpus: " << files.size() << " files, " << parsed << " parsed, " << rejected << " rejected; slowest "
              << std::chrono::duration_cast<std::chrono::microseconds>(slowest).count() << " us ("
              << slowest_file.filename().string() << ")\n";
}

TEST(Corpus, FeedparserClassAAssertions) {
    const Json expectations = Json::parse(read_file(kFeedparser / "expectations.json"));
    std::size_t total = 0;
    std::size_t passed = 0;
    std::size_t known = 0;
    std::vector<std::string> unexpected;
    std::vector<std::string> differences;
    for (const Json& test : expectations.at("tests")) {
        if (test.at("class") != "A") continue;
        const std::string path = test.at("path").get<std::string>();
        const Served served = serve(path);
        const Result<ParsedFeed> feed =
            parse_feed(served.body, {.content_type = served.content_type, .base_url = served.base_url});
        const ParsedFeed reading_source = feed ? *feed : ParsedFeed{};
        const Json reading = Json::parse(to_json(reading_source));
        for (const Json& assertion : test.at("assertions")) {
            ++total;
            // A rejected document is as ill-formed as a document can be.
            const bool rejected_bozo =
                !feed && assertion.at("field") == "_oracle.bozo" && assertion.at("value") == true;
            const Outcome outcome =
                feed ? check(assertion, *feed, reading) : Outcome{rejected_bozo, "rejected: " + feed.error().message};
            if (outcome.passed) {
                ++passed;
            } else if (is_known_difference(path, assertion.at("field").get<std::string>())) {
                ++known;
                differences.push_back(path + ": " + outcome.detail);
            } else {
                unexpected.push_back(path + ": " + outcome.detail);
            }
        }
    }
    const double rate = total == 0 ? 0.0 : 100.0 * static_cast<double>(passed) / static_cast<double>(total);
    std::cout << "feedparser class A: " << passed << "/" << total << " assertions pass (" << rate << "%); " << known
              << " deliberate differences, " << unexpected.size() << " other failures\n";
    for (const std::string& difference : differences) std::cout << "  deliberate: " << difference << '\n';
    for (const std::string& failure : unexpected) std::cout << "  FAIL " << failure << '\n';
    EXPECT_GE(rate, 95.0);
}

TEST(Corpus, RssParserFeedsYieldItems) {
    if (!fs::exists(kRssParser / "input")) GTEST_SKIP() << "no rbren__rss-parser corpus";
    std::size_t files = 0;
    std::size_t with_items = 0;
    for (const auto& entry : fs::directory_iterator(kRssParser / "input")) {
        ++files;
        const std::string body = read_file(entry.path());
        const Result<ParsedFeed> feed = parse_feed(body, {.content_type = {}, .base_url = "https://example.com/"});
        // Its JSON output says how many items that library found (no output: it rejected the
        // file, as we may); some outputs are not UTF-8 and say nothing we can read.
        const fs::path output = kRssParser / "output" / (entry.path().stem().string() + ".json");
        if (!fs::exists(output)) {
            if (!feed) {
                EXPECT_NE(feed.error().kind, ErrorKind::Internal) << entry.path();
            }
            continue;
        }
        ASSERT_TRUE(feed) << entry.path() << ": " << feed.error().message;
        const Json theirs = Json::parse(read_file(output), nullptr, false);
        if (theirs.is_discarded()) continue;
        const Json* items = theirs.contains("feed") ? lookup(theirs.at("feed"), "items") : lookup(theirs, "items");
        if (items != nullptr && items->is_array() && !items->empty()) {
            ++with_items;
            EXPECT_GT(feed->items.size(), 0u) << entry.path();
        }
    }
    std::cout << "rss-parser: " << files << " files, " << with_items << " with items in its output\n";
    EXPECT_GT(files, 20u);
}

}  // namespace
}  // namespace tributary::parse
