#pragma once
// RAII for libcurl's C handles (STYLE.md D). Nobody outside fetch/ calls libcurl.

#include <curl/curl.h>

#include <memory>
#include <stdexcept>

namespace tributary::fetch {

struct CurlEasyDeleter {
    void operator()(CURL* p) const noexcept { curl_easy_cleanup(p); }
};
struct CurlMultiDeleter {
    void operator()(CURLM* p) const noexcept { curl_multi_cleanup(p); }
};
struct CurlSlistDeleter {
    void operator()(curl_slist* p) const noexcept { curl_slist_free_all(p); }
};
struct CurlUrlDeleter {
    void operator()(CURLU* p) const noexcept { curl_url_cleanup(p); }
};
struct CurlStringDeleter {  // strings libcurl allocated (curl_url_get)
    void operator()(char* p) const noexcept { curl_free(p); }
};

using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlMulti = std::unique_ptr<CURLM, CurlMultiDeleter>;
using CurlSlist = std::unique_ptr<curl_slist, CurlSlistDeleter>;
using CurlUrl = std::unique_ptr<CURLU, CurlUrlDeleter>;
using CurlString = std::unique_ptr<char, CurlStringDeleter>;

// curl_global_init/cleanup: one instance in main, before any thread starts and
// alive until every Fetcher is gone.
class CurlGlobal {
public:
    CurlGlobal() {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("curl_global_init failed");
    }
    ~CurlGlobal() { curl_global_cleanup(); }
    CurlGlobal(const CurlGlobal&) = delete;
    CurlGlobal& operator=(const CurlGlobal&) = delete;
};

}  // namespace tributary::fetch
