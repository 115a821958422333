#include "tls_test_server.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>

namespace tributary::fetch::testing {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct PkeyFree {
    void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct X509Free {
    void operator()(X509* p) const noexcept { X509_free(p); }
};
struct ExtFree {
    void operator()(X509_EXTENSION* p) const noexcept { X509_EXTENSION_free(p); }
};

void check(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("TlsTestServer: ") + what);
}

// A self-signed P-256 certificate for localhost / 127.0.0.1, valid for a day.
std::pair<std::unique_ptr<EVP_PKEY, PkeyFree>, std::unique_ptr<X509, X509Free>> make_certificate() {
    std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_EC_gen("P-256"));
    check(key != nullptr, "EVP_EC_gen");
    std::unique_ptr<X509, X509Free> cert(X509_new());
    check(cert != nullptr, "X509_new");
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                               0);
    X509_set_issuer_name(cert.get(), name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    for (const auto& [nid, value] : {std::pair{NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"},
                                     std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
        std::unique_ptr<X509_EXTENSION, ExtFree> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
        check(ext != nullptr && X509_add_ext(cert.get(), ext.get(), -1) == 1, "X509_add_ext");
    }
    check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "X509_sign");
    return {std::move(key), std::move(cert)};
}

}  // namespace

struct TlsTestServer::Impl {
    explicit Impl(std::string b) : body(std::move(b)) {
        auto [key, cert] = make_certificate();
        ca = std::filesystem::temp_directory_path() / ("tributary-tls-test-" + std::to_string(::getpid()) + "-" +
                                                       std::to_string(reinterpret_cast<std::uintptr_t>(this)) + ".pem");
        FILE* f = std::fopen(ca.c_str(), "w");
        check(f != nullptr, "cannot write the certificate");
        PEM_write_X509(f, cert.get());
        std::fclose(f);
        SSL_CTX* native = ssl.native_handle();
        check(SSL_CTX_use_certificate(native, cert.get()) == 1, "SSL_CTX_use_certificate");
        check(SSL_CTX_use_PrivateKey(native, key.get()) == 1, "SSL_CTX_use_PrivateKey");
        SSL_CTX_set_alpn_select_cb(native, &Impl::on_alpn, this);

        const tcp::endpoint ep(asio::ip::make_address_v4("127.0.0.1"), 0);
        acceptor.open(ep.protocol());
        acceptor.bind(ep);
        acceptor.listen();
        port = acceptor.local_endpoint().port();
        accept_next();
        thread = std::thread([this] { io.run(); });
    }

    ~Impl() {
        asio::post(io, [this] {
            boost::system::error_code ec;
            acceptor.close(ec);
        });
        thread.join();
        std::error_code ec;
        std::filesystem::remove(ca, ec);
    }

    static int on_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                       unsigned int inlen, void* arg) {
        auto& self = *static_cast<Impl*>(arg);
        std::vector<std::string> offered;
        for (unsigned int i = 0; i < inlen;) {
            const unsigned int len = in[i];
            if (i + 1 + len > inlen) break;
            offered.emplace_back(reinterpret_cast<const char*>(in + i + 1), len);
            i += 1 + len;
        }
        {
            std::lock_guard lock(self.mutex);
            self.alpn = offered;
        }
        static const unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
        unsigned char* selected = nullptr;
        if (SSL_select_next_proto(&selected, outlen, kHttp11, sizeof kHttp11, in, inlen) != OPENSSL_NPN_NEGOTIATED) {
            return SSL_TLSEXT_ERR_NOACK;
        }
        *out = selected;
        return SSL_TLSEXT_ERR_OK;
    }

    void accept_next() {
        acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
            if (ec) return;  // closed
            serve(std::move(socket));
            accept_next();
        });
    }

    // Blocking, one connection at a time: enough for a test.
    void serve(tcp::socket socket) {
        asio::ssl::stream<tcp::socket> stream(std::move(socket), ssl);
        boost::system::error_code ec;
        stream.handshake(asio::ssl::stream_base::server, ec);
        if (ec) return;  // e.g. the client refused our certificate
        asio::streambuf in;
        asio::read_until(stream, in, "\r\n\r\n", ec);
        if (ec) return;
        ++answered;
        const std::string reply =
            "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: " + std::to_string(body.size()) +
            "\r\nConnection: close\r\n\r\n" + body;
        asio::write(stream, asio::buffer(reply), ec);
        stream.shutdown(ec);
    }

    std::string body;
    std::filesystem::path ca;
    asio::io_context io{1};
    asio::ssl::context ssl{asio::ssl::context::tls_server};
    tcp::acceptor acceptor{io};
    std::uint16_t port = 0;
    std::thread thread;
    mutable std::mutex mutex;
    std::vector<std::string> alpn;
    std::atomic<int> answered{0};
};

TlsTestServer::TlsTestServer(std::string body) : impl_(std::make_unique<Impl>(std::move(body))) {}
TlsTestServer::~TlsTestServer() = default;

std::uint16_t TlsTestServer::port() const { return impl_->port; }

std::string TlsTestServer::url(std::string_view host, std::string_view path) const {
    return "https://" + std::string(host) + ":" + std::to_string(impl_->port) + std::string(path);
}

const std::filesystem::path& TlsTestServer::ca_file() const { return impl_->ca; }

std::vector<std::string> TlsTestServer::last_alpn_offer() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->alpn;
}

int TlsTestServer::requests() const { return impl_->answered; }

}  // namespace tributary::fetch::testing
