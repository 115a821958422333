#include "publish/publisher.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <optional>
#include <utility>

#include "core/text.hpp"
#include "publish/atomic_file.hpp"
#include "publish/http_rules.hpp"
#include "publish/pages.hpp"
#include "publish/render.hpp"
#include "publish/websub.hpp"

namespace tributary::publish {
namespace {

std::string file_bytes(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The build date an earlier run wrote into the output's documents: RSS's lastBuildDate, else the
// Atom feed's first <updated>. nullopt: none found (a JSON Feed carries none: its bytes do not
// depend on it).
std::optional<SysTime> published_build_time(const std::vector<OutputSpec::Representation>& reps,
                                            std::span<const std::string> bytes) {
    const auto between = [](std::string_view doc, std::string_view open, std::string_view close) {
        const auto start = doc.find(open);
        if (start == std::string_view::npos) return std::string_view{};
        const auto end = doc.find(close, start + open.size());
        return end == std::string_view::npos ? std::string_view{}
                                             : doc.substr(start + open.size(), end - start - open.size());
    };
    for (std::size_t i = 0; i < reps.size() && i < bytes.size(); ++i)
        if (reps[i].format == OutputSpec::Format::rss)
            if (auto t = parse_http_date(between(bytes[i], "<lastBuildDate>", "</lastBuildDate>"))) return t;
    for (std::size_t i = 0; i < reps.size() && i < bytes.size(); ++i)
        if (reps[i].format == OutputSpec::Format::atom)
            if (auto t = parse_rfc3339_utc(between(bytes[i], "<updated>", "</updated>"))) return t;
    return std::nullopt;
}

}  // namespace

std::vector<PublishedDocument> publish_output(RenderCache& cache, const OutputSpec& output,
                                              std::span<const MergedItem> entries, SysTime now, std::string_view base,
                                              const std::string& cache_control, bool write_files) {
    const std::string stylesheet = absolute_url(base, kStylesheetPath);
    std::optional<RenderCache::Outcome> adopted;
    if (!cache.knows(output.name)) {
        // The first render of this run: what an earlier run left in the files, if rendering the
        // same entries at its build date gives those bytes again, is adopted, so that a restart
        // changes nothing a reader or the hub can see.
        const std::vector<OutputSpec::Representation> reps = representations_of(output);
        std::vector<std::string> existing;
        existing.reserve(reps.size());
        for (const OutputSpec::Representation& rep : reps) existing.push_back(file_bytes(rep.path));
        if (std::none_of(existing.begin(), existing.end(), [](const std::string& b) { return b.empty(); }))
            adopted = cache.adopt(output, entries, published_build_time(reps, existing).value_or(now), base, stylesheet,
                                  existing);
    }
    RenderCache::Outcome out = adopted ? std::move(*adopted) : cache.render(output, entries, now, base, stylesheet);
    std::vector<PublishedDocument> published;
    published.reserve(out.documents.size());
    for (RenderedDocument& doc : out.documents) {
        PublishedDocument p{.url = doc.url,
                            .snapshot = nullptr,
                            .error = {},
                            .self = absolute_url(base, doc.url),
                            .changed = out.changed};
        if (write_files && (out.changed || !file_has_mode(doc.path, output.file_mode)))
            if (auto written = write_file_atomically(doc.path, doc.body, output.file_mode); !written)
                p.error = written.error().message;
        p.snapshot = make_snapshot(std::move(doc.body), out.build_time, std::move(doc.content_type), cache_control,
                                   websub_link_header(output.hub, p.self));
        published.push_back(std::move(p));
    }
    return published;
}

}  // namespace tributary::publish
