#include "publish/outputs.hpp"

#include <algorithm>

#include "publish/http_server.hpp"
#include "publish/render.hpp"

namespace tributary::publish {
namespace {

bool has_any(const std::vector<std::string>& tags, const std::vector<std::string>& wanted) {
    return std::any_of(wanted.begin(), wanted.end(),
                       [&tags](const std::string& t) { return std::find(tags.begin(), tags.end(), t) != tags.end(); });
}

bool contains(std::span<const std::string> sorted, std::string_view name) {
    return std::binary_search(sorted.begin(), sorted.end(), name, std::less<>{});
}

}  // namespace

bool carries_every_feed(const OutputSpec& output) noexcept {
    return output.include_tags.empty() && output.exclude_tags.empty() && output.feeds.empty();
}

std::vector<std::string> selected_feeds(const OutputSpec& output, std::span<const FeedSpec> feeds) {
    const bool everything = output.include_tags.empty() && output.feeds.empty();
    std::vector<std::string> names;
    for (const FeedSpec& feed : feeds) {
        const bool named = std::find(output.feeds.begin(), output.feeds.end(), feed.name) != output.feeds.end();
        const bool included = everything || named || has_any(feed.tags, output.include_tags);
        if (included && (named || !has_any(feed.tags, output.exclude_tags))) names.push_back(feed.name);
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
}

std::string public_base(const OutputSpec& output, const DaemonSettings& daemon, std::uint16_t bound_port) {
    if (!output.public_url.empty()) return output.public_url;
    if (!daemon.public_url.empty()) return daemon.public_url;
    const std::string& host = daemon.listen_host;
    const bool wildcard = host == "0.0.0.0" || host == "::";
    const std::string shown = wildcard ? "localhost" : (host.find(':') != std::string::npos ? "[" + host + "]" : host);
    const std::uint16_t port = bound_port != 0 ? bound_port : daemon.listen_port;
    return "http://" + shown + (port == 0 ? std::string{} : ":" + std::to_string(port)) + "/";
}

std::string absolute_url(std::string_view base, std::string_view path) {
    std::string out(base);
    if (out.ends_with('/') && path.starts_with('/')) path.remove_prefix(1);
    out += path;
    return out;
}

std::string cache_control(const OutputSpec& output, std::span<const FeedSpec> feeds, const ScheduleSettings& schedule) {
    const std::vector<std::string> names = selected_feeds(output, feeds);
    std::optional<Seconds> shortest;
    for (const FeedSpec& feed : feeds) {
        if (!feed.enabled || !contains(names, feed.name)) continue;
        const Seconds interval =
            std::clamp(feed.interval.value_or(schedule.default_interval), schedule.min_interval, schedule.max_interval);
        shortest = std::min(shortest.value_or(interval), interval);
    }
    return "public, max-age=" + std::to_string(shortest.value_or(schedule.default_interval).count());
}

std::vector<OutputSpec::Representation> representations_of(const OutputSpec& output) {
    if (!output.representations.empty()) return output.representations;
    return {OutputSpec::Representation{.format = output.format, .url = output.url, .path = output.path}};
}

RenderCache::Outcome RenderCache::render(const OutputSpec& output, std::span<const MergedItem> entries, SysTime now,
                                         std::string_view base, std::string_view stylesheet) {
    const auto same = [](const std::vector<RenderedDocument>& a, const std::vector<RenderedDocument>& b) {
        return std::equal(
            a.begin(), a.end(), b.begin(), b.end(), [](const RenderedDocument& x, const RenderedDocument& y) {
                return x.url == y.url && x.path == y.path && x.content_type == y.content_type && x.body == y.body;
            });
    };
    if (const auto it = last_.find(output.name); it != last_.end()) {
        const SysTime previous = it->second.build_time;
        if (same(render_output(output, entries, previous, base, stylesheet), it->second.documents))
            return Outcome{.documents = it->second.documents, .build_time = previous, .changed = false};
    }
    std::vector<RenderedDocument> documents = render_output(output, entries, now, base, stylesheet);
    last_.insert_or_assign(output.name, Last{.build_time = now, .documents = documents});
    return Outcome{.documents = std::move(documents), .build_time = now, .changed = true};
}

std::optional<RenderCache::Outcome> RenderCache::adopt(const OutputSpec& output, std::span<const MergedItem> entries,
                                                       SysTime built, std::string_view base,
                                                       std::string_view stylesheet,
                                                       std::span<const std::string> existing) {
    std::vector<RenderedDocument> documents = render_output(output, entries, built, base, stylesheet);
    if (!std::equal(documents.begin(), documents.end(), existing.begin(), existing.end(),
                    [](const RenderedDocument& doc, const std::string& bytes) { return doc.body == bytes; }))
        return std::nullopt;
    last_.insert_or_assign(output.name, Last{.build_time = built, .documents = documents});
    return Outcome{.documents = std::move(documents), .build_time = built, .changed = false};
}

std::vector<RenderedDocument> render_output(const OutputSpec& output, std::span<const MergedItem> entries,
                                            SysTime build_time, std::string_view base, std::string_view stylesheet) {
    const std::vector<OutputSpec::Representation> reps = representations_of(output);
    FeedLinks links;
    links.site = std::string(base);
    links.stylesheet = std::string(stylesheet);
    links.hub = output.hub;
    for (const OutputSpec::Representation& rep : reps) {
        std::string& slot = rep.format == OutputSpec::Format::rss    ? links.rss
                            : rep.format == OutputSpec::Format::atom ? links.atom
                                                                     : links.json;
        if (slot.empty()) slot = absolute_url(base, rep.url);
    }
    std::vector<RenderedDocument> out;
    out.reserve(reps.size());
    for (const OutputSpec::Representation& rep : reps) {
        links.self = absolute_url(base, rep.url);
        RenderedDocument doc{.url = rep.url, .path = rep.path, .body = {}, .content_type = {}};
        switch (rep.format) {
            case OutputSpec::Format::rss:
                doc.body = render_rss(output, entries, build_time, links);
                doc.content_type = std::string(kRssContentType);
                break;
            case OutputSpec::Format::atom:
                doc.body = render_atom(output, entries, build_time, links);
                doc.content_type = std::string(kAtomContentType);
                break;
            case OutputSpec::Format::json:
                doc.body = render_json_feed(output, entries, links);
                doc.content_type = std::string(kJsonFeedContentType);
                break;
        }
        out.push_back(std::move(doc));
    }
    return out;
}

}  // namespace tributary::publish
