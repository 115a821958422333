#pragma once
// The HTML of what the outputs show, sanitized on its way out.
//
// The store keeps an item's summary and content as its feed sent them (valid UTF-8 and XML-safe,
// nothing more: parse::ParseOptions::sanitize = false). Before an output renders its entries,
// EntryHtml passes their HTML through parse::sanitize_html (scripts, styles, event handlers and
// unsafe URLs dropped; relative links resolved against the item's link, else its feed's URL),
// so nothing a feed wrote reaches a reader unsanitized, whatever was stored and by which version.
//
// Why on the way out rather than at ingest: the sanitizer (a gumbo parse of every summary and
// article) was a fifth of the CPU of a cold cycle, spent on every item stored, while the outputs
// show a hundred entries each (a cold start of 1,000 feeds stores 28,000 items). Each entry's
// sanitized HTML is kept while the outputs show it, so a publish sanitizes only the entries new
// to them, and memory stays that of the entries shown.
//
// Used by one publish at a time (Daemon::request_publish runs one at once).

#include <cstddef>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/types.hpp"

namespace tributary::app {

class EntryHtml {
public:
    // Replaces each entry's description and content with their sanitized forms. A description
    // that sanitizes to nothing gives way to the content, as for an item without a summary: the
    // store reads an item's content as its description only when its summary is empty.
    void sanitize(std::span<MergedItem> entries);
    // Forgets what no sanitize() call has asked for since the last call of this.
    void forget_unshown();
    // Texts held, and how many sanitize() has passed through the sanitizer since construction
    // (for tests: a text already held is not sanitized again).
    std::size_t size() const;
    std::size_t sanitized() const { return sanitized_; }

private:
    struct Sanitized {
        std::string raw_description, raw_content, base;  // what was sanitized ...
        std::string description, content;                // ... and what came out
        bool shown = true;
    };
    // By entry guid: usually one text each, more when outputs of other feed selections show
    // another item of one story under its guid.
    std::unordered_map<std::string, std::vector<Sanitized>> by_guid_;
    std::size_t sanitized_ = 0;
};

}  // namespace tributary::app
