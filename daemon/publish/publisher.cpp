#include "publish/publisher.hpp"

#include <utility>

#include "publish/atomic_file.hpp"
#include "publish/pages.hpp"
#include "publish/render.hpp"
#include "publish/websub.hpp"

namespace tributary::publish {

std::vector<PublishedDocument> publish_output(RenderCache& cache, const OutputSpec& output,
                                              std::span<const MergedItem> entries, SysTime now, std::string_view base,
                                              const std::string& cache_control) {
    const std::string stylesheet = absolute_url(base, kStylesheetPath);
    RenderCache::Outcome out = cache.render(output, entries, now, base, stylesheet);
    std::vector<PublishedDocument> published;
    published.reserve(out.documents.size());
    for (RenderedDocument& doc : out.documents) {
        PublishedDocument p{.url = doc.url,
                            .snapshot = nullptr,
                            .error = {},
                            .self = absolute_url(base, doc.url),
                            .changed = out.changed};
        if (out.changed || !file_has_mode(doc.path, output.file_mode))
            if (auto written = write_file_atomically(doc.path, doc.body, output.file_mode); !written)
                p.error = written.error().message;
        p.snapshot = make_snapshot(std::move(doc.body), out.build_time, std::move(doc.content_type), cache_control,
                                   websub_link_header(output.hub, p.self));
        published.push_back(std::move(p));
    }
    return published;
}

}  // namespace tributary::publish
