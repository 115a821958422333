// Parse throughput, printed, never asserted (machines differ; CI only builds this).
//
//   tributary_parse_bench [corpus-dir] [generated-MB]
//   tributary_parse_bench --profile SECONDS [corpus-dir] [generated-MB]
//
// --profile runs only parse_feed (sanitize = false) over both inputs for SECONDS, for perf record;
// with TRIBUTARY_PROFILE_LEGACY=1 the generated feed is in windows-1256.
//
// For the same bytes, in the same run: raw pugixml (parse_default, the reference a feed parser
// cannot beat), parse_feed with sanitize = false (charset, repair, XML, fields, dates, URLs: what
// every poll costs), parse_feed with sanitize = true, and sanitize_html alone over the items' HTML
// (what only new or changed items cost). Each figure is the best of several rounds.

#include <fmt/format.h>
#include <unicode/ucnv.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <pugixml.hpp>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "parse/parse_feed.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using tributary::ParsedFeed;
using tributary::parse::parse_feed;
using tributary::parse::ParseOptions;
using tributary::parse::sanitize_html;

std::string read_file(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream contents;
    contents << in.rdbuf();
    return contents.str();
}

struct Document {
    std::string bytes;
    std::string content_type;
};

// The options every measurement parses a document with.
ParseOptions options_for(const Document& d, bool sanitize) {
    return ParseOptions{.content_type = d.content_type,
                        .base_url = "https://bench.example/feed",
                        .encoding_override = {},
                        .sanitize = sanitize};
}

std::vector<Document> load_corpus(const fs::path& root) {
    std::vector<Document> documents;
    if (!fs::exists(root)) return documents;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        if (!entry.is_regular_file()) continue;
        const std::string path = entry.path().string();
        const bool feedparser_test = path.find("/kurtmckee__feedparser/tests/") != std::string::npos;
        const bool rss_parser_input = path.find("/rbren__rss-parser/test/input/") != std::string::npos;
        if (!feedparser_test && !rss_parser_input) continue;
        documents.push_back({read_file(entry.path()), {}});
    }
    std::sort(documents.begin(), documents.end(),
              [](const Document& a, const Document& b) { return a.bytes < b.bytes; });
    return documents;
}

// An RSS 2.0 feed of about `bytes` bytes in Arabic, shaped like a Moroccan news site's: escaped
// HTML descriptions with links and images, categories, RFC 822 dates, relative links.
std::string generate_feed(std::size_t bytes) {
    static constexpr const char* kWords[] = {
        "المغرب",  "الرباط",  "الحكومة", "الاقتصاد",      "التعاون",  "الأمني",     "مكافحة",
        "الإرهاب", "السياحة", "مراكش",   "الدار البيضاء", "البرلمان", "الانتخابات", "الجامعة",
        "الشباب",  "الرياضة", "المنتخب", "الوطني",        "الفلاحة",  "الماء",
    };
    std::mt19937 random{42};
    const auto words = [&](int count) {
        std::string out;
        for (int i = 0; i < count; ++i) {
            if (i > 0) out += ' ';
            out += kWords[random() % std::size(kWords)];
        }
        return out;
    };
    std::string feed = R"(<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>أخبار المغرب</title><link>https://akhbar.example.ma/</link><description>آخر الأخبار</description>
<language>ar</language><ttl>15</ttl>
)";
    const std::size_t target = bytes;
    for (int n = 0; feed.size() < target; ++n) {
        feed += fmt::format(
            "<item><title>{}</title><link>/article/{}</link><guid isPermaLink=\"false\">akhbar-{}</guid>"
            "<pubDate>Mon, {:02} Dec 2025 {:02}:{:02}:00 +0100</pubDate><dc:creator>{}</dc:creator>"
            "<category>{}</category><category>{}</category>"
            "<description>&lt;p&gt;{}&lt;/p&gt;&lt;p&gt;&lt;a href=\"/tag/{}\"&gt;{}&lt;/a&gt; {} "
            "&lt;img src=\"/img/{}.jpg\" alt=\"{}\"&gt;&lt;/p&gt;&lt;p&gt;{}&lt;/p&gt;</description></item>\n",
            words(8), n, n, 1 + n % 28, n % 24, n % 60, words(2), words(1), words(1), words(40), n % 97, words(2),
            words(30), n, words(3), words(35));
    }
    feed += "</channel></rss>\n";
    return feed;
}

// The generated feed as some Moroccan sites still serve it: windows-1256, declared in the XML
// declaration, so that every parse converts it to UTF-8 first.
std::string as_windows_1256(const std::string& utf8_feed) {
    std::string feed = utf8_feed;
    const std::string_view declared = R"(encoding="UTF-8")";
    feed.replace(feed.find(declared), declared.size(), R"(encoding="windows-1256")");
    std::string out(feed.size(), '\0');  // never longer than UTF-8: each Arabic letter is one byte
    UErrorCode status = U_ZERO_ERROR;
    const int32_t length = ucnv_convert("windows-1256", "UTF-8", out.data(), static_cast<int32_t>(out.size()),
                                        feed.data(), static_cast<int32_t>(feed.size()), &status);
    if (U_FAILURE(status)) {
        fmt::print("windows-1256 conversion failed: {}\n", u_errorName(status));
        return {};
    }
    out.resize(static_cast<std::size_t>(length));
    return out;
}

struct Measure {
    double seconds = 0;
    std::size_t items = 0;
};

// Best of `rounds`, each round repeating `work` until it has run for at least `min_seconds`.
Measure best_of(int rounds, double min_seconds, const std::function<std::size_t()>& work) {
    Measure best{1e300, 0};
    for (int r = 0; r < rounds; ++r) {
        std::size_t repetitions = 0;
        std::size_t items = 0;
        const auto start = Clock::now();
        double elapsed = 0;
        do {
            items += work();
            ++repetitions;
            elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        } while (elapsed < min_seconds);
        const double per_run = elapsed / static_cast<double>(repetitions);
        if (per_run < best.seconds) best = {per_run, items / repetitions};
    }
    return best;
}

double mb_per_s(std::size_t bytes, double seconds) { return static_cast<double>(bytes) / 1e6 / seconds; }

void report(const std::string& name, const std::vector<Document>& documents) {
    std::size_t bytes = 0;
    for (const Document& d : documents) bytes += d.bytes.size();
    fmt::print("\n{}: {} document(s), {:.2f} MB\n", name, documents.size(), static_cast<double>(bytes) / 1e6);

    const Measure raw = best_of(3, 1.0, [&] {
        std::size_t roots = 0;
        for (const Document& d : documents) {
            pugi::xml_document doc;
            if (doc.load_buffer(d.bytes.data(), d.bytes.size(), pugi::parse_default, pugi::encoding_auto)) ++roots;
        }
        return roots;
    });
    // parse_feed asks pugixml to keep leading text in the element itself: the same parse with that
    // flag, to show how much of the difference is pugixml's. The ratios stay against parse_default.
    const Measure raw_embedded = best_of(3, 1.0, [&] {
        std::size_t roots = 0;
        for (const Document& d : documents) {
            pugi::xml_document doc;
            if (doc.load_buffer(d.bytes.data(), d.bytes.size(), pugi::parse_default | pugi::parse_embed_pcdata,
                                pugi::encoding_auto))
                ++roots;
        }
        return roots;
    });
    // The floor for any reader built on pugixml's DOM: parse, then copy each item's child text
    // into a ParsedItem by element name, with no namespaces, dates, URLs, charset or repair.
    const Measure floor = best_of(3, 1.0, [&] {
        std::size_t items = 0;
        for (const Document& d : documents) {
            pugi::xml_document doc;
            if (!doc.load_buffer(d.bytes.data(), d.bytes.size(), pugi::parse_default, pugi::encoding_auto)) continue;
            ParsedFeed feed;
            for (const pugi::xml_node item : doc.document_element().child("channel").children("item")) {
                tributary::ParsedItem& out = feed.items.emplace_back();
                for (const pugi::xml_node child : item.children()) {
                    const std::string_view name = child.name();
                    if (name == "title")
                        out.title = child.child_value();
                    else if (name == "link")
                        out.link = child.child_value();
                    else if (name == "description")
                        out.summary = child.child_value();
                    else if (name == "guid")
                        out.id = child.child_value();
                    else if (name == "dc:creator")
                        out.author = child.child_value();
                    else if (name == "category")
                        out.categories.emplace_back(child.child_value());
                }
            }
            items += feed.items.size();
        }
        return items;
    });
    const auto parse_all = [&](bool sanitize) {
        return [&documents, sanitize] {
            std::size_t items = 0;
            for (const Document& d : documents) {
                const auto feed = parse_feed(d.bytes, options_for(d, sanitize));
                if (feed) items += feed->items.size();
            }
            return items;
        };
    };
    const Measure unsanitized = best_of(3, 1.0, parse_all(false));
    const Measure sanitized = best_of(2, 1.0, parse_all(true));

    // The HTML sanitize_html would see for new or changed items.
    std::vector<std::string> html;
    std::size_t html_bytes = 0;
    for (const Document& d : documents) {
        const auto feed = parse_feed(d.bytes, options_for(d, false));
        if (!feed) continue;
        for (const auto& item : feed->items)
            for (const std::string* part : {&item.summary, &item.content})
                if (!part->empty()) {
                    html.push_back(*part);
                    html_bytes += part->size();
                }
    }
    const Measure sanitizing = best_of(3, 1.0, [&] {
        std::size_t out = 0;
        for (const std::string& h : html) out += sanitize_html(h, "https://bench.example/feed").empty() ? 0 : 1;
        return out;
    });

    const double raw_mbs = mb_per_s(bytes, raw.seconds);
    const double feed_mbs = mb_per_s(bytes, unsanitized.seconds);
    fmt::print("  raw pugixml parse               {:9.1f} MB/s\n", raw_mbs);
    fmt::print("  raw, parse_embed_pcdata         {:9.1f} MB/s  (the flag parse_feed parses with)\n",
               mb_per_s(bytes, raw_embedded.seconds));
    fmt::print("  pugixml + copying item fields   {:9.1f} MB/s  = {:.0f}% of raw pugixml (RSS 2.0 only: the floor)\n",
               mb_per_s(bytes, floor.seconds), 100.0 * mb_per_s(bytes, floor.seconds) / raw_mbs);
    fmt::print(
        "  parse_feed, sanitize = false    {:9.1f} MB/s  {:11.0f} items/s  ({} items)  = {:.0f}% of raw pugixml\n",
        feed_mbs, static_cast<double>(unsanitized.items) / unsanitized.seconds, unsanitized.items,
        100.0 * feed_mbs / raw_mbs);
    fmt::print("  parse_feed, sanitize = true     {:9.1f} MB/s  {:11.0f} items/s\n", mb_per_s(bytes, sanitized.seconds),
               static_cast<double>(sanitized.items) / sanitized.seconds);
    fmt::print("  sanitize_html alone             {:9.1f} MB/s of HTML ({:.2f} MB in {} fragments)\n",
               mb_per_s(html_bytes, sanitizing.seconds), static_cast<double>(html_bytes) / 1e6, html.size());
}

}  // namespace

void profile(double seconds, const std::vector<Document>& corpus, const std::vector<Document>& generated) {
    std::size_t items = 0;
    const auto start = Clock::now();
    while (std::chrono::duration<double>(Clock::now() - start).count() < seconds) {
        const auto parse_one = [&](const Document& d) {
            const auto feed = parse_feed(d.bytes, options_for(d, false));
            if (feed) items += feed->items.size();
        };
        for (const Document& d : corpus) parse_one(d);
        for (const Document& d : generated) parse_one(d);
    }
    fmt::print("profile: {} items in {:.1f}s\n", items, seconds);
}

int main(int argc, char** argv) {
    double profile_seconds = 0;
    if (argc > 2 && std::string_view(argv[1]) == "--profile") {
        profile_seconds = std::strtod(argv[2], nullptr);
        argc -= 2;
        argv += 2;
    }
    const fs::path corpus = argc > 1 ? fs::path(argv[1]) : fs::path(TRIBUTARY_CORPUS_DIR);
    const std::size_t megabytes = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 20;
    if (profile_seconds > 0) {
        // TRIBUTARY_PROFILE_LEGACY=1: the generated feed in windows-1256 instead of UTF-8.
        const char* legacy = std::getenv("TRIBUTARY_PROFILE_LEGACY");
        std::string generated = generate_feed(megabytes << 20);
        if (legacy != nullptr && std::string_view(legacy) == "1") generated = as_windows_1256(generated);
        profile(profile_seconds, load_corpus(corpus), {Document{std::move(generated), {}}});
        return 0;
    }
    fmt::print("tributary_parse_bench: best of several rounds; MB = 10^6 bytes of input\n");
    if (const std::vector<Document> documents = load_corpus(corpus); !documents.empty())
        report("corpus " + corpus.string(), documents);
    else
        fmt::print("\ncorpus {}: not found, skipped\n", corpus.string());
    const std::string generated = generate_feed(megabytes << 20);
    report(fmt::format("generated Arabic RSS 2.0 ({} MB)", megabytes), {Document{generated, {}}});
    // What a poll usually brings: a site's last hundred or so items, a few hundred KB.
    report("generated Arabic RSS 2.0, a typical poll (256 KiB)", {Document{generate_feed(256u << 10), {}}});
    // pugixml reads windows-1256 bytes as if they were UTF-8 here: its figure is the same bytes'
    // XML parse, not a reading of the text.
    if (std::string legacy = as_windows_1256(generated); !legacy.empty())
        report("the same feed in windows-1256 (converted by parse_feed)", {Document{std::move(legacy), {}}});
    return 0;
}
