// TLS per feed: verification on by default, verify_tls = false, a per-feed CA file; and the
// HTTP/2 offer (ALPN) that lets a server that speaks it upgrade the transfer.

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "fetch/fetcher.hpp"
#include "tls_test_server.hpp"

namespace tributary::fetch {
namespace {

using namespace std::chrono_literals;

class TlsFetchTest : public ::testing::Test {
protected:
    TlsFetchTest() {
        settings.min_host_spacing = 0s;
        settings.connect_timeout = 5s;
        settings.total_timeout = 10s;
    }

    FetchRequest request(std::string_view host) {
        FetchRequest r;
        r.feed_name = "tls-feed";
        r.url = server.url(host, "/feed.xml");
        r.allow_private = true;
        r.proxy = "none";
        return r;
    }

    FetchResult fetch_one(FetchRequest req) {
        Fetcher fetcher(io, settings);
        std::vector<FetchResult> results;
        fetcher.fetch(std::move(req), [&](FetchResult r) { results.push_back(std::move(r)); });
        const auto deadline = std::chrono::steady_clock::now() + 15s;
        while (results.empty() && std::chrono::steady_clock::now() < deadline) {
            if (io.run_one_until(deadline) == 0) break;
        }
        io.restart();
        EXPECT_EQ(results.size(), 1u);
        return results.empty() ? FetchResult{} : results.front();
    }

    testing::TlsTestServer server{"<rss version=\"2.0\"/>"};
    boost::asio::io_context io;
    FetchSettings settings;
};

TEST_F(TlsFetchTest, RefusesAnUntrustedCertificateByDefault) {
    const FetchResult r = fetch_one(request("localhost"));
    EXPECT_EQ(r.outcome, FetchOutcome::network_error);
    EXPECT_NE(r.error.find("certificate"), std::string::npos) << r.error;
    EXPECT_EQ(server.requests(), 0);
}

TEST_F(TlsFetchTest, VerifyTlsFalseAcceptsIt) {
    FetchRequest req = request("localhost");
    req.verify_tls = false;
    const FetchResult r = fetch_one(req);
    EXPECT_EQ(r.outcome, FetchOutcome::fetched) << r.error;
    EXPECT_EQ(r.body, "<rss version=\"2.0\"/>");
}

TEST_F(TlsFetchTest, PerFeedCaFileTrustsIt) {
    for (const char* host : {"localhost", "127.0.0.1"}) {
        SCOPED_TRACE(host);
        FetchRequest req = request(host);
        req.ca_file = server.ca_file().string();
        const FetchResult r = fetch_one(req);
        EXPECT_EQ(r.outcome, FetchOutcome::fetched) << r.error;
    }
}

TEST_F(TlsFetchTest, OffersHttp2FirstThenHttp11) {
    FetchRequest req = request("localhost");
    req.verify_tls = false;
    EXPECT_EQ(fetch_one(req).outcome, FetchOutcome::fetched);
    const std::vector<std::string> offer = server.last_alpn_offer();
    ASSERT_GE(offer.size(), 2u);
    EXPECT_EQ(offer.front(), "h2");
    EXPECT_NE(std::find(offer.begin(), offer.end(), "http/1.1"), offer.end());
}

}  // namespace
}  // namespace tributary::fetch
