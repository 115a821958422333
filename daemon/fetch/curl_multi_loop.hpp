#pragma once
// libcurl's multi interface driven by Asio on the loop thread (STYLE.md shape 4).
//
// curl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION) and when to call it
// back (CURLMOPT_TIMERFUNCTION); Asio waits on the sockets with posix::stream_descriptor
// and on the timeout with a steady_timer, and calls curl_multi_socket_action when either
// fires. The C callbacks are noexcept and never call back into curl: the socket callback
// only (un)registers a watch, the timer callback only arms the timer. The stream
// descriptors are release()d on CURL_POLL_REMOVE and at destruction, so Asio never
// closes a socket curl owns. No thread, no polling, no sleeps.
//
// Loop thread only. Finished transfers are removed from the multi handle and reported
// through `on_done` from inside an Asio handler (never from inside a curl callback).

#include <curl/curl.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <unordered_map>

#include "fetch/curl_handles.hpp"

namespace tributary::fetch {

class CurlMultiLoop {
public:
    // Called once per finished transfer, after curl_multi_remove_handle.
    using DoneFn = std::function<void(CURL* easy, CURLcode result)>;

    CurlMultiLoop(boost::asio::io_context& io, DoneFn on_done);  // throws std::runtime_error
    ~CurlMultiLoop();  // remove every easy handle first: they still belong to the caller
    CurlMultiLoop(const CurlMultiLoop&) = delete;
    CurlMultiLoop& operator=(const CurlMultiLoop&) = delete;

    CURLM* multi() const noexcept { return multi_.get(); }
    CURLMcode add(CURL* easy) noexcept;
    CURLMcode remove(CURL* easy) noexcept;  // no on_done for a removed transfer

private:
    struct Watch;

    static int on_socket(CURL* easy, curl_socket_t s, int what, void* self, void* socketp) noexcept;
    static int on_timer(CURLM* multi, long timeout_ms, void* self) noexcept;
    void arm(curl_socket_t s, const std::shared_ptr<Watch>& w);
    void act(curl_socket_t s, int ev_bitmask);
    void drain();

    boost::asio::io_context& io_;
    DoneFn on_done_;
    CurlMulti multi_;
    boost::asio::steady_timer timer_;
    std::unordered_map<curl_socket_t, std::shared_ptr<Watch>> watches_;
    // Handlers hold a weak_ptr to this: one that was already queued when we died
    // (a wait that completed successfully cannot be cancelled) does nothing.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace tributary::fetch
