#include "app/entry_html.hpp"

#include <algorithm>
#include <utility>

#include "parse/parse_feed.hpp"

namespace tributary::app {

void EntryHtml::sanitize(std::span<MergedItem> entries) {
    for (MergedItem& entry : entries) {
        // Relative links are the item's, else its feed's.
        const std::string& base = entry.link.empty() ? entry.source_url : entry.link;
        std::vector<Sanitized>& known = by_guid_[entry.guid];
        auto it = std::find_if(known.begin(), known.end(), [&](const Sanitized& s) {
            return s.raw_description == entry.description && s.raw_content == entry.content && s.base == base;
        });
        if (it == known.end()) {
            Sanitized s{.raw_description = entry.description,
                        .raw_content = entry.content,
                        .base = base,
                        .description = parse::sanitize_html(entry.description, base),
                        .content = parse::sanitize_html(entry.content, base),
                        .shown = true};
            if (s.description.empty()) {
                s.description = std::move(s.content);
                s.content.clear();
            }
            known.push_back(std::move(s));
            ++sanitized_;
            it = known.end() - 1;
        }
        it->shown = true;
        entry.description = it->description;
        entry.content = it->content;
    }
}

void EntryHtml::forget_unshown() {
    for (auto it = by_guid_.begin(); it != by_guid_.end();) {
        std::erase_if(it->second, [](const Sanitized& s) { return !s.shown; });
        for (Sanitized& s : it->second) s.shown = false;
        it = it->second.empty() ? by_guid_.erase(it) : std::next(it);
    }
}

std::size_t EntryHtml::size() const {
    std::size_t n = 0;
    for (const auto& [guid, texts] : by_guid_) n += texts.size();
    return n;
}

}  // namespace tributary::app
