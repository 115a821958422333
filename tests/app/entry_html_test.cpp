#include "app/entry_html.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tributary::app {
namespace {

MergedItem entry(std::string guid, std::string link, std::string description, std::string content = {}) {
    MergedItem item;
    item.guid = std::move(guid);
    item.link = std::move(link);
    item.source_url = "https://site.example/feeds/all.xml";
    item.description = std::move(description);
    item.content = std::move(content);
    return item;
}

TEST(EntryHtml, WhatAnOutputShowsIsSanitizedAgainstTheItemsLinkElseItsFeeds) {
    EntryHtml html;
    std::vector<MergedItem> entries{
        entry("a", "https://news.example/2025/12/quake.html",
              "<p onclick=\"steal()\" dir=\"rtl\">نص المقال<script>alert(1)</script> <a href=\"more\">المزيد</a></p>",
              "<div><img src=\"/img/map.png\" onerror=\"x()\"><iframe src=\"https://evil.example\"></iframe></div>"),
        entry("b", "", "<a href=\"/about\">about</a><a href=\"javascript:alert(2)\">x</a>")};
    html.sanitize(entries);

    const std::string& a = entries[0].description;
    EXPECT_NE(a.find("نص المقال"), std::string::npos) << a;
    EXPECT_NE(a.find("dir=\"rtl\""), std::string::npos) << a;
    EXPECT_NE(a.find("href=\"https://news.example/2025/12/more\""), std::string::npos) << a;
    EXPECT_NE(entries[0].content.find("src=\"https://news.example/img/map.png\""), std::string::npos)
        << entries[0].content;
    for (const std::string& text : {a, entries[0].content, entries[1].description})
        for (const char* banned : {"script", "alert", "onclick", "onerror", "iframe", "javascript:"})
            EXPECT_EQ(text.find(banned), std::string::npos) << banned << " in " << text;
    // No link of its own: relative links are its feed's.
    EXPECT_NE(entries[1].description.find("href=\"https://site.example/about\""), std::string::npos)
        << entries[1].description;
}

TEST(EntryHtml, ADescriptionThatSanitizesToNothingGivesWayToTheContent) {
    EntryHtml html;
    std::vector<MergedItem> entries{entry("a", "https://n.example/1", "<script>x()</script>", "<p>the article</p>")};
    html.sanitize(entries);
    EXPECT_EQ(entries[0].description, "<p>the article</p>");
    EXPECT_EQ(entries[0].content, "");
}

// Stores written before HTML was sanitized on the way out hold sanitized HTML: sanitizing it again
// must give it back unchanged, or upgrading would change every old entry's bytes (and ETags).
TEST(EntryHtml, SanitizedHtmlComesBackUnchanged) {
    const std::vector<std::string> raw{
        "<p onclick=\"steal()\" dir=\"rtl\">نص المقال &amp; <b>المزيد</b><script>alert(1)</script></p>",
        "<p>Q &amp; A: 5 &lt; 6, &quot;quoted&quot; &#1575; &eacute;t&eacute;</p><br><hr>",
        "<ul><li>one<li>two</ul><table><tr><td>cell</table>",
        "<a href=\"rel/page?x=1&amp;y=2\" title=\"t\">link</a> <img src=\"/i.png\" alt=\"a &quot;b&quot;\">",
        "plain text with no markup, and a stray > sign",
        "<blockquote><p>nested <em><strong>deep</strong></em></p></blockquote>"};
    EntryHtml once;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        std::vector<MergedItem> first{entry("g" + std::to_string(i), "https://n.example/a/b", raw[i])};
        once.sanitize(first);
        EntryHtml again;
        std::vector<MergedItem> second{entry("g", "https://n.example/a/b", first[0].description)};
        again.sanitize(second);
        EXPECT_EQ(second[0].description, first[0].description) << "from " << raw[i];
    }
}

TEST(EntryHtml, ATextIsSanitizedOnceWhileShownAndAgainWhenItChanges) {
    EntryHtml html;
    const auto shown = [&html](std::vector<MergedItem> entries) {
        html.sanitize(entries);
        html.forget_unshown();
        return entries;
    };
    std::vector<MergedItem> entries{entry("a", "https://n.example/1", "<p>one<script>x</script></p>"),
                                    entry("b", "https://n.example/2", "<p>two</p>")};
    EXPECT_EQ(shown(entries)[0].description, "<p>one</p>");
    EXPECT_EQ(html.sanitized(), 2u);
    EXPECT_EQ(shown(entries)[0].description, "<p>one</p>");
    EXPECT_EQ(html.sanitized(), 2u) << "texts already shown are not sanitized again";

    entries[0].description = "<p>one, corrected</p>";
    EXPECT_EQ(shown(entries)[0].description, "<p>one, corrected</p>");
    EXPECT_EQ(html.sanitized(), 3u);

    // What no output shows any more is forgotten: memory is that of the entries shown.
    EXPECT_EQ(html.size(), 2u);
    shown({entries[1]});
    EXPECT_EQ(html.size(), 1u);
    EXPECT_EQ(html.sanitized(), 3u);
}

}  // namespace
}  // namespace tributary::app
