// RFC 3986 section 5.2 reference resolution, on strings, then the IRI-to-URI step browsers do:
// an internationalised host becomes its IDNA (punycode) form, and every non-ASCII byte and space
// of the rest is percent-encoded, so that "/مقال" and "/%D9%85%D9%82%D8%A7%D9%84" are one link.

#include <unicode/uidna.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/text.hpp"
#include "core/url_safety.hpp"
#include "parse/parse_feed.hpp"

namespace tributary::parse {
namespace {

struct UrlParts {
    std::optional<std::string_view> scheme;
    std::optional<std::string_view> authority;
    std::string_view path;
    std::optional<std::string_view> query;
    std::optional<std::string_view> fragment;
};

bool is_scheme_char(char c, bool first) noexcept {
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (first) return letter;
    return letter || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

UrlParts split(std::string_view url) {
    UrlParts parts;
    if (const std::size_t hash = url.find('#'); hash != std::string_view::npos) {
        parts.fragment = url.substr(hash + 1);
        url = url.substr(0, hash);
    }
    if (const std::size_t question = url.find('?'); question != std::string_view::npos) {
        parts.query = url.substr(question + 1);
        url = url.substr(0, question);
    }
    if (const std::size_t colon = url.find(':'); colon != std::string_view::npos && colon > 0) {
        bool valid = true;
        for (std::size_t i = 0; i < colon && valid; ++i) valid = is_scheme_char(url[i], i == 0);
        if (valid) {
            parts.scheme = url.substr(0, colon);
            url = url.substr(colon + 1);
        }
    }
    if (url.starts_with("//")) {
        url.remove_prefix(2);
        const std::size_t slash = url.find('/');
        parts.authority = url.substr(0, slash);
        url = slash == std::string_view::npos ? std::string_view{} : url.substr(slash);
    }
    parts.path = url;
    return parts;
}

std::string remove_dot_segments(std::string_view input) {
    std::string output;
    while (!input.empty()) {
        if (input.starts_with("../")) {
            input.remove_prefix(3);
        } else if (input.starts_with("./")) {
            input.remove_prefix(2);
        } else if (input.starts_with("/./")) {
            input.remove_prefix(2);
        } else if (input == "/.") {
            input = "/";
        } else if (input.starts_with("/../") || input == "/..") {
            input = input.size() == 3 ? std::string_view{"/"} : input.substr(3);
            const std::size_t last = output.rfind('/');
            output.erase(last == std::string::npos ? 0 : last);
        } else if (input == "." || input == "..") {
            input = {};
        } else {
            const std::size_t next = input.find('/', 1);
            const std::size_t length = next == std::string_view::npos ? input.size() : next;
            output.append(input.substr(0, length));
            input.remove_prefix(length);
        }
    }
    return output;
}

std::string merge_paths(const UrlParts& base, std::string_view reference_path) {
    if (base.authority && base.path.empty()) return "/" + std::string(reference_path);
    const std::size_t last = base.path.rfind('/');
    if (last == std::string_view::npos) return std::string(reference_path);
    return std::string(base.path.substr(0, last + 1)) + std::string(reference_path);
}

std::string join(const UrlParts& parts, const std::string& path) {
    std::string out;
    if (parts.scheme) out.append(to_lower_ascii(*parts.scheme)).append(":");
    if (parts.authority) out.append("//").append(*parts.authority);
    out.append(path);
    if (parts.query) out.append("?").append(*parts.query);
    if (parts.fragment) out.append("#").append(*parts.fragment);
    return out;
}

// Browsers drop tabs and newlines anywhere in a URL and spaces at its ends (WHATWG URL).
std::string clean_reference(std::string_view reference) {
    std::string out;
    out.reserve(reference.size());
    for (const char c : trim(reference))
        if (c != '\t' && c != '\n' && c != '\r') out += c;
    return out;
}

struct IdnaCloser {
    void operator()(UIDNA* idna) const noexcept { uidna_close(idna); }
};

// UTS 46 processing (what browsers use); the object is immutable once open, so it is shared.
const UIDNA* idna() {
    static const std::unique_ptr<UIDNA, IdnaCloser> instance = [] {
        UErrorCode status = U_ZERO_ERROR;
        std::unique_ptr<UIDNA, IdnaCloser> opened{uidna_openUTS46(UIDNA_NONTRANSITIONAL_TO_ASCII, &status)};
        if (U_FAILURE(status)) opened.reset();
        return opened;
    }();
    return instance.get();
}

bool has_non_ascii(std::string_view text) {
    for (const char c : text)
        if (static_cast<unsigned char>(c) >= 0x80) return true;
    return false;
}

// The ASCII form of a host, or the host unchanged when IDNA refuses it.
std::string ascii_host(std::string_view host) {
    const UIDNA* processor = idna();
    if (processor == nullptr || host.size() > 1024) return std::string(host);
    char buffer[2048];
    UIDNAInfo info = UIDNA_INFO_INITIALIZER;
    UErrorCode status = U_ZERO_ERROR;
    const int32_t length = uidna_nameToASCII_UTF8(processor, host.data(), static_cast<int32_t>(host.size()), buffer,
                                                  sizeof buffer, &info, &status);
    if (U_FAILURE(status) || info.errors != 0 || length <= 0 || length > static_cast<int32_t>(sizeof buffer))
        return std::string(host);
    return std::string(buffer, static_cast<std::size_t>(length));
}

void append_percent_encoded(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x80 || byte == ' ') {
            out += '%';
            out += kHex[byte >> 4];
            out += kHex[byte & 0xF];
        } else {
            out += c;
        }
    }
}

// IRI to URI (RFC 3987 3.1, as WHATWG URL does it): IDNA for the host, %XX for the rest.
std::string to_uri(std::string url) {
    if (!has_non_ascii(url) && url.find(' ') == std::string::npos) return url;
    std::string out;
    out.reserve(url.size() + url.size() / 2);
    std::string_view rest = url;
    if (const std::size_t authority = rest.find("://");
        authority != std::string_view::npos &&
        rest.substr(0, authority).find_first_of("/?#") == std::string_view::npos) {
        out.append(rest.substr(0, authority + 3));
        rest.remove_prefix(authority + 3);
        const std::size_t end = std::min(rest.find_first_of("/?#"), rest.size());
        std::string_view host = rest.substr(0, end);
        rest.remove_prefix(end);
        if (const std::size_t at = host.rfind('@'); at != std::string_view::npos) {
            append_percent_encoded(out, host.substr(0, at + 1));
            host.remove_prefix(at + 1);
        }
        std::string_view port;
        if (const std::size_t colon = host.rfind(':');
            colon != std::string_view::npos && host.find(']') == std::string_view::npos) {
            port = host.substr(colon);
            host = host.substr(0, colon);
        }
        if (has_non_ascii(host))
            out += ascii_host(host);
        else
            out.append(host);
        out.append(port);
    }
    append_percent_encoded(out, rest);
    return out;
}

// RFC 3986 5.2.2, with the cleaning browsers do first.
std::string resolve_iri(std::string_view base, std::string_view reference) {
    const std::string cleaned_reference = clean_reference(reference);
    const std::string cleaned_base = clean_reference(base);
    const UrlParts ref = split(cleaned_reference);
    if (ref.scheme) return join(ref, remove_dot_segments(ref.path));
    // Only a web page is a base: against "javascript:alert(1)//" (an item link, an xml:base) the
    // harmless "page.html" would come out as script, and against "data:" or "file:" as something
    // we would not publish either. So such a base counts as none.
    if (!is_publishable_url(cleaned_base)) return cleaned_reference;
    const UrlParts b = split(cleaned_base);

    UrlParts target;
    target.scheme = b.scheme;
    target.fragment = ref.fragment;
    std::string path;
    if (ref.authority) {
        target.authority = ref.authority;
        target.query = ref.query;
        path = remove_dot_segments(ref.path);
    } else {
        target.authority = b.authority;
        if (ref.path.empty()) {
            path = std::string(b.path);
            target.query = ref.query ? ref.query : b.query;
        } else {
            path = ref.path.starts_with('/') ? remove_dot_segments(ref.path)
                                             : remove_dot_segments(merge_paths(b, ref.path));
            target.query = ref.query;
        }
    }
    return join(target, path);
}

// Printable ASCII with no dot segments: what reference resolution copies through unchanged.
// ("/./" and "/../" are removed by it; a "/." anywhere, ".well-known" too, takes the long way
// rather than risk a difference.)
bool is_plain(std::string_view text) noexcept {
    // Spaces, controls, non-ASCII: cleaned or encoded. Every link, enclosure and image URL of a
    // feed comes this way: sixteen bytes at a time with SSE2 (as signed bytes, printable ASCII is
    // exactly 0x21..0x7E; the rest is below or negative).
    std::size_t i = 0;
#if defined(__SSE2__)
    const __m128i below = _mm_set1_epi8(' ');
    const __m128i above = _mm_set1_epi8(0x7F);
    for (; i + 16 <= text.size(); i += 16) {
        const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
        const __m128i printable = _mm_and_si128(_mm_cmpgt_epi8(block, below), _mm_cmplt_epi8(block, above));
        if (_mm_movemask_epi8(printable) != 0xFFFF) return false;
    }
#endif
    for (; i < text.size(); ++i)
        if (text[i] <= ' ' || text[i] > '~') return false;
    return text.find("/.") == std::string_view::npos;
}

}  // namespace

bool is_plain_absolute_url(std::string_view reference) noexcept {
    return (reference.starts_with("https://") || reference.starts_with("http://")) && is_plain(reference);
}

std::string_view origin_for_plain_path(std::string_view base, std::string_view reference) noexcept {
    if (!reference.starts_with('/') || reference.starts_with("//") || !is_plain(reference) ||
        !is_plain_absolute_url(base))
        return {};
    const std::size_t authority = base.find("//") + 2;
    const auto origin_end = std::find_if(base.begin() + static_cast<std::ptrdiff_t>(authority), base.end(),
                                         [](char c) { return c == '/' || c == '?' || c == '#'; });
    return base.substr(0, static_cast<std::size_t>(origin_end - base.begin()));
}

std::string resolve_url(std::string_view base, std::string_view reference) {
    if (is_plain_absolute_url(reference)) return std::string(reference);
    // "/article/12" against "https://site.example/feed": the base's origin and the reference, which
    // is what RFC 3986 5.2.2 gives for an absolute path. Half of all feed links look like this.
    if (const std::string_view origin = origin_for_plain_path(base, reference); !origin.empty()) {
        std::string out;
        out.reserve(origin.size() + reference.size());
        out.append(origin).append(reference);
        return out;
    }
    return to_uri(resolve_iri(base, reference));
}

std::string resolve_web_url(std::string_view base, std::string_view reference) {
    std::string url = resolve_url(base, reference);
    if (!is_publishable_url(url)) url.clear();
    return url;
}

}  // namespace tributary::parse
