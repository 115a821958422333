// Issue 12 point 6, last bullet: the pages people read, rendered by a real browser. The real
// daemon runs on the Arabic fixtures; headless Chromium (Debian's chromium, installed by
// scripts/install-deps.sh, never by this test) loads /status and a feed URL (turned into a page
// by the daemon's XSLT) and dumps the DOM; an Arabic title must be there, on an element that lays
// out right to left, and a Latin one left to right. Screenshots go to the build's test artifacts
// directory. Without chromium the test is skipped, saying so.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
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
const fs::path kArtifacts = TRIBUTARY_ARTIFACTS_DIR;
const std::string kArabicTitle = "ارتفاع ملحوظ في عدد السياح الوافدين على مراكش خلال عطلة نهاية السنة";

std::string chromium_path() {
    for (const char* candidate : {"chromium", "chromium-browser"}) {
        const std::string command = std::string("command -v ") + candidate + " >/dev/null 2>&1";
        if (std::system(command.c_str()) == 0) return candidate;
    }
    return {};
}

std::string quoted(const std::string& s) {
    std::string out = "'";
    for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// Wraps a page of the daemon so that a script can read what the browser computed: the page is
// shown in a same-origin frame (a feed: turned into HTML by the daemon's own stylesheet with the
// browser's XSLTProcessor, as the xml-stylesheet instruction does when the feed is opened), and
// each element holding text directly gets its text, its computed direction and text-align
// written into <pre id="result"> as JSON.
std::string wrapper_page(const std::string& inner, bool xslt) {
    return R"(<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<iframe id="f" style="width:1000px;height:1200px"></iframe><pre id="result">pending</pre>
<script>
const frame = document.getElementById('f');
const result = document.getElementById('result');
frame.addEventListener('load', () => {
  const doc = frame.contentDocument;
  if (!doc || !doc.body) return;
  const out = [];
  for (const el of doc.querySelectorAll('body *')) {
    let own = '';
    for (const n of el.childNodes) if (n.nodeType === 3) own += n.textContent;
    own = own.trim();
    if (!own) continue;
    const style = doc.defaultView.getComputedStyle(el);
    // Alignment is the block's: an inline element's own text-align does not place its text.
    let block = el;
    while (block.parentElement && doc.defaultView.getComputedStyle(block).display.startsWith('inline'))
      block = block.parentElement;
    const blockStyle = doc.defaultView.getComputedStyle(block);
    out.push({tag: el.tagName, text: own, direction: style.direction,
              block_direction: blockStyle.direction, align: blockStyle.textAlign});
  }
  result.textContent = JSON.stringify(out);
});
(async () => {
  try {
    if (!)" +
           std::string(xslt ? "true" : "false") + R"() { frame.src = ')" + inner + R"('; return; }
    const parser = new DOMParser();
    const [xml, xsl] = await Promise.all([fetch(')" +
           inner + R"(').then(r => r.text()), fetch('/feed.xsl').then(r => r.text())]);
    const processor = new XSLTProcessor();
    processor.importStylesheet(parser.parseFromString(xsl, 'application/xml'));
    const page = processor.transformToDocument(parser.parseFromString(xml, 'application/xml'));
    frame.srcdoc = page.documentElement.outerHTML;
  } catch (e) { result.textContent = 'error: ' + e; }
})();
</script></body></html>)";
}

class ChromiumPages : public ::testing::Test {
protected:
    void SetUp() override {
        chromium_ = chromium_path();
        if (chromium_.empty())
            GTEST_SKIP() << "chromium is not installed (Debian package chromium, installed by "
                            "scripts/install-deps.sh): the browser test is skipped, not passed";
        dir_ = fs::temp_directory_path() / ("tributary-e2e-chromium-" + std::to_string(::getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        fs::create_directories(kArtifacts);
        feeds_.serve_file("/akhbar.rss", kFixtures / "akhbar-maghreb-windows1256.rss",
                          "application/rss+xml; charset=windows-1256");
        feeds_.serve_file("/lequipe.rss", kFixtures / "lequipe-news.rss", "application/rss+xml; charset=utf-8");
        feeds_.serve_file("/sahel.atom", kFixtures / "sahel-press.atom", "application/atom+xml");
    }

    void TearDown() override {
        if (!dir_.empty() && !HasFailure()) fs::remove_all(dir_);
    }

    // Runs chromium on `url`; returns the dumped DOM (and writes a screenshot when asked).
    std::string run_chromium(const std::string& url, const std::string& extra, const std::string& name) const {
        const fs::path out = dir_ / (name + ".dom.html");
        const fs::path err = dir_ / (name + ".stderr");
        const std::string command = "timeout 90 " + chromium_ +
                                    " --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions"
                                    " --user-data-dir=" +
                                    quoted((dir_ / ("profile-" + name)).string()) + " " + extra + " " + quoted(url) +
                                    " >" + quoted(out.string()) + " 2>" + quoted(err.string());
        const int rc = std::system(command.c_str());
        EXPECT_EQ(rc, 0) << command << "\n" << read_file(err);
        return read_file(out);
    }

    fs::path screenshot(const std::string& url, const std::string& name) const {
        const fs::path path = kArtifacts / (name + ".png");
        fs::remove(path);
        run_chromium(url, "--window-size=1000,1400 --hide-scrollbars --screenshot=" + quoted(path.string()),
                     name + "-shot");
        EXPECT_TRUE(fs::exists(path) && fs::file_size(path) > 1000) << path;
        std::cout << "screenshot: " << path.string() << std::endl;
        return path;
    }

    std::string chromium_;
    fs::path dir_;
    TestHttpServer feeds_;
};

TEST_F(ChromiumPages, ArabicTitlesReadRightToLeftOnTheStatusPageAndTheFeedPage) {
    std::ofstream(dir_ / "feeds.conf")
        << "[daemon]\ndatabase = tributary.db\nlisten = 127.0.0.1:0\ninterval = 1h\nallow_private = yes\n"
           "startup_spread = 1s\nmin_host_spacing = 0\n\n[output all]\npath = out/all.xml\ntitle = الكل\n"
           "\n[feed akhbar]\nurl = "
        << feeds_.url("/akhbar.rss") << "\n\n[feed lequipe]\nurl = " << feeds_.url("/lequipe.rss")
        << "\n\n[feed sahel]\nurl = " << feeds_.url("/sahel.atom") << "\n";
    ChildProcess daemon(kBinary, {"-c", (dir_ / "feeds.conf").string(), "run"}, dir_ / "run.log");
    ASSERT_TRUE(daemon.wait_for_log(" fetched in ", 30s, 3)) << daemon.log();
    const std::string log = daemon.log();
    const std::uint16_t port = served_port(log);
    ASSERT_NE(port, 0) << log;
    const std::string base = "http://127.0.0.1:" + std::to_string(port);
    const HttpAnswer rss = http_get_until(port, "/all.xml", [](const HttpAnswer& a) {
        return a.status == 200 && a.body.find(kArabicTitle) != std::string::npos;
    });
    ASSERT_NE(rss.body.find(kArabicTitle), std::string::npos) << rss.body;

    // 1. The feed URL as a subscriber's browser opens it: the XSLT's page, with the Arabic title.
    const std::string feed_dom = run_chromium(base + "/all.xml", "--dump-dom", "feed");
    EXPECT_NE(feed_dom.find("<html"), std::string::npos) << "the XSLT did not turn the feed into a page:\n"
                                                         << feed_dom.substr(0, 2000);
    EXPECT_NE(feed_dom.find(kArabicTitle), std::string::npos) << feed_dom.substr(0, 4000);
    // The stylesheet's page, not the browser's view of the XML source.
    EXPECT_NE(feed_dom.find("class=\"subscribe\""), std::string::npos)
        << "the browser did not apply the feed's xml-stylesheet:\n"
        << feed_dom.substr(0, 2000);
    EXPECT_NE(feed_dom.find("<li dir=\"auto\">"), std::string::npos) << feed_dom.substr(0, 2000);
    EXPECT_NE(feed_dom.find(base + "/all.xml"), std::string::npos) << "the URL to copy into a reader";
    screenshot(base + "/all.xml", "chromium-feed-all");

    // 2. /status: every feed's health.
    const std::string status_dom = run_chromium(base + "/status", "--dump-dom", "status");
    for (const std::string name : {">akhbar<", ">lequipe<", ">sahel<"})
        EXPECT_NE(status_dom.find(name), std::string::npos) << name << status_dom.substr(0, 4000);
    screenshot(base + "/status", "chromium-status");

    // 3. What the browser computed: each page of the daemon in a same-origin frame (its bytes
    // served as they are by a test server, the stylesheet link pointed at that server's copy).
    TestHttpServer wrap;
    const std::string xsl = http_get(port, "/feed.xsl").body;
    std::string feed_copy = rss.body;
    const std::string xsl_href = base + "/feed.xsl";
    ASSERT_NE(feed_copy.find(xsl_href), std::string::npos);
    feed_copy.replace(feed_copy.find(xsl_href), xsl_href.size(), "/feed.xsl");
    const std::string status_copy = http_get(port, "/status").body;
    const auto fixed = [](std::string type, std::string body) {
        return [type = std::move(type), body = std::move(body)](const RecordedRequest&) {
            Response r;
            r.headers = {{"Content-Type", type}};
            r.body = body;
            return r;
        };
    };
    wrap.route("/all.xml", fixed("application/rss+xml; charset=utf-8", feed_copy));
    wrap.route("/feed.xsl", fixed("text/xsl; charset=utf-8", xsl));
    wrap.route("/status", fixed("text/html; charset=utf-8", status_copy));
    wrap.route("/wrap-feed.html", fixed("text/html; charset=utf-8", wrapper_page("/all.xml", true)));
    wrap.route("/wrap-status.html", fixed("text/html; charset=utf-8", wrapper_page("/status", false)));

    // Arabic letters are U+0600..U+06FF: lead bytes 0xD8..0xDB in UTF-8.
    const auto starts_arabic = [](const std::string& text) {
        for (std::size_t i = 0; i < text.size() && i < 8; ++i)
            if (const auto c = static_cast<unsigned char>(text[i]); c >= 0xD8 && c <= 0xDB) return true;
        return false;
    };
    for (const std::string page : {"feed", "status"}) {
        SCOPED_TRACE(page);
        const std::string dom =
            run_chromium(wrap.url("/wrap-" + page + ".html"), "--virtual-time-budget=10000 --dump-dom", "wrap-" + page);
        const auto start = dom.find("<pre id=\"result\">");
        ASSERT_NE(start, std::string::npos) << dom;
        const auto end = dom.find("</pre>", start);
        std::string text = dom.substr(start + 17, end - start - 17);
        for (const auto& [entity, ch] :
             {std::pair{"&quot;", "\""}, std::pair{"&lt;", "<"}, std::pair{"&gt;", ">"}, std::pair{"&amp;", "&"}})
            for (auto at = text.find(entity); at != std::string::npos; at = text.find(entity, at + 1))
                text.replace(at, std::string(entity).size(), ch);
        ASSERT_NE(text, "pending") << "the frame never loaded";
        ASSERT_FALSE(text.starts_with("error: ")) << text;
        const auto elements = nlohmann::json::parse(text);
        int arabic_rtl = 0, arabic_ltr = 0, latin_ltr = 0;
        bool title_seen = false;
        for (const auto& e : elements) {
            const std::string own = e["text"];
            const bool rtl = e["direction"] == "rtl";
            // Only what starts with a letter decides: "29 Dec · أخبار" starts neutral.
            if (starts_arabic(own))
                (rtl ? arabic_rtl : arabic_ltr)++;
            else if (!rtl && std::isalpha(static_cast<unsigned char>(own[0])))
                ++latin_ltr;
            if (own == kArabicTitle) {
                title_seen = true;
                // Right-aligned: its block is "right", or "start" in a right-to-left block.
                EXPECT_TRUE(rtl && (e["align"] == "right" || (e["block_direction"] == "rtl" &&
                                                              (e["align"] == "start" || e["align"] == "-webkit-auto"))))
                    << e.dump();
            }
        }
        if (page == "feed") {
            EXPECT_GT(arabic_rtl, 0) << text;
        }
        EXPECT_EQ(arabic_ltr, 0) << "Arabic text laid out left to right:\n" << text;
        EXPECT_GT(latin_ltr, 0) << text;
        if (page == "feed") {
            EXPECT_TRUE(title_seen) << text;
        }
    }

    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.wait(30s), 0) << daemon.log();
}

}  // namespace
}  // namespace tributary::testing
