#pragma once
// A minimal HTTPS/1.1 server for the fetch tests' TLS cases: a self-signed certificate for
// "localhost" and 127.0.0.1 made at start, one connection at a time on its own thread, every
// request answered "200 OK" with `body`. It records the ALPN protocols each client offered
// (it always picks http/1.1), which is how the tests see that HTTP/2 is offered.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tributary::fetch::testing {

class TlsTestServer {
public:
    explicit TlsTestServer(std::string body);  // listening on 127.0.0.1 when it returns
    ~TlsTestServer();
    TlsTestServer(const TlsTestServer&) = delete;
    TlsTestServer& operator=(const TlsTestServer&) = delete;

    std::uint16_t port() const;
    std::string url(std::string_view host, std::string_view path) const;  // "https://<host>:<port><path>"
    const std::filesystem::path& ca_file() const;                         // the certificate, PEM

    std::vector<std::string> last_alpn_offer() const;  // in the client's order
    int requests() const;                              // requests answered

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace tributary::fetch::testing
