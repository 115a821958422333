#include "core/types.hpp"

namespace tributary {

const char* to_string(FetchOutcome outcome) noexcept {
    switch (outcome) {
        case FetchOutcome::fetched: return "fetched";
        case FetchOutcome::not_modified: return "not_modified";
        case FetchOutcome::http_error: return "http_error";
        case FetchOutcome::network_error: return "network_error";
        case FetchOutcome::timed_out: return "timed_out";
        case FetchOutcome::too_large: return "too_large";
        case FetchOutcome::redirect_error: return "redirect_error";
        case FetchOutcome::blocked: return "blocked";
        case FetchOutcome::cancelled: return "cancelled";
    }
    return "unknown";
}

const char* to_string(FeedFormat format) noexcept {
    switch (format) {
        case FeedFormat::rss: return "rss";
        case FeedFormat::rdf: return "rdf";
        case FeedFormat::atom: return "atom";
        case FeedFormat::json: return "json";
        case FeedFormat::unknown: return "unknown";
    }
    return "unknown";
}

SysTime shown_date(const MergedItem& item) noexcept {
    const SysTime date = item.published ? *item.published : item.updated.value_or(item.first_seen);
    return date > item.first_seen + kFutureDateTolerance ? item.first_seen : date;
}

}  // namespace tributary
