#include "fetch/curl_multi_loop.hpp"

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <stdexcept>
#include <utility>
#include <vector>

namespace tributary::fetch {

namespace asio = boost::asio;
using boost::system::error_code;

struct CurlMultiLoop::Watch {
    Watch(asio::io_context& io, curl_socket_t s) : sd(io), fd(s) {}
    asio::posix::stream_descriptor sd;
    curl_socket_t fd;
    int what = 0;  // CURL_POLL_IN / OUT / INOUT
    bool reading = false;
    bool writing = false;
    bool removed = false;  // released: its pending handlers must not touch curl
};

CurlMultiLoop::CurlMultiLoop(asio::io_context& io, DoneFn on_done)
    : io_(io), on_done_(std::move(on_done)), multi_(curl_multi_init()), timer_(io) {
    if (!multi_) throw std::runtime_error("fetch: curl_multi_init failed");
    curl_multi_setopt(multi_.get(), CURLMOPT_SOCKETFUNCTION, &CurlMultiLoop::on_socket);
    curl_multi_setopt(multi_.get(), CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi_.get(), CURLMOPT_TIMERFUNCTION, &CurlMultiLoop::on_timer);
    curl_multi_setopt(multi_.get(), CURLMOPT_TIMERDATA, this);
}

CurlMultiLoop::~CurlMultiLoop() {
    alive_.reset();
    multi_.reset();  // may still report CURL_POLL_REMOVE for cached connections
    for (auto& [fd, w] : watches_) {
        w->removed = true;
        (void)w->sd.release();  // curl closed or closes it, not Asio
    }
    watches_.clear();
    timer_.cancel();
}

CURLMcode CurlMultiLoop::add(CURL* easy) noexcept { return curl_multi_add_handle(multi_.get(), easy); }

CURLMcode CurlMultiLoop::remove(CURL* easy) noexcept { return curl_multi_remove_handle(multi_.get(), easy); }

int CurlMultiLoop::on_socket(CURL*, curl_socket_t s, int what, void* p, void*) noexcept {
    auto& self = *static_cast<CurlMultiLoop*>(p);
    if (what == CURL_POLL_REMOVE) {
        if (auto it = self.watches_.find(s); it != self.watches_.end()) {
            it->second->removed = true;
            (void)it->second->sd.release();  // cancels the pending waits; the fd stays curl's
            self.watches_.erase(it);
        }
        return 0;
    }
    try {
        auto& w = self.watches_[s];
        if (!w) {
            auto fresh = std::make_shared<Watch>(self.io_, s);
            error_code ec;
            fresh->sd.assign(s, ec);
            if (ec) {
                self.watches_.erase(s);
                return -1;  // curl fails the transfers on this socket
            }
            w = std::move(fresh);
        }
        w->what = what;
        self.arm(s, w);
        return 0;
    } catch (...) {  // allocation failure: nothing may escape into curl
        return -1;
    }
}

int CurlMultiLoop::on_timer(CURLM*, long timeout_ms, void* p) noexcept {
    auto& self = *static_cast<CurlMultiLoop*>(p);
    self.timer_.cancel();
    if (timeout_ms < 0) return 0;  // -1: delete the timer
    if (timeout_ms == 0) {
        // "As soon as possible", asked once or twice per transfer: a posted call, not a timer
        // (which re-arms the kernel's timer each time). Never from inside this callback: curl
        // must not be re-entered. A call the timer would have cancelled meanwhile only makes curl
        // check its timers once more.
        asio::post(self.io_, [&self, alive = std::weak_ptr<int>(self.alive_)] {
            if (!alive.expired()) self.act(CURL_SOCKET_TIMEOUT, 0);
        });
        return 0;
    }
    self.timer_.expires_after(std::chrono::milliseconds(timeout_ms));
    self.timer_.async_wait([&self, alive = std::weak_ptr<int>(self.alive_)](error_code ec) {
        if (ec || alive.expired()) return;
        self.act(CURL_SOCKET_TIMEOUT, 0);
    });
    return 0;
}

void CurlMultiLoop::arm(curl_socket_t s, const std::shared_ptr<Watch>& w) {
    auto handler = [this, s, w, alive = std::weak_ptr<int>(alive_)](bool read, error_code ec) {
        (read ? w->reading : w->writing) = false;
        if (w->removed || alive.expired() || ec == asio::error::operation_aborted) return;
        const int wanted = read ? CURL_POLL_IN : CURL_POLL_OUT;
        if ((w->what & wanted) == 0) return;  // curl stopped caring about this direction meanwhile
        if (ec) {                             // an error is not readiness: tell curl once, and do not spin on it
            act(s, CURL_CSELECT_ERR);
            return;
        }
        act(s, read ? CURL_CSELECT_IN : CURL_CSELECT_OUT);
        if (!w->removed) arm(s, w);
    };
    if ((w->what & CURL_POLL_IN) && !w->reading) {
        w->reading = true;
        w->sd.async_wait(asio::posix::stream_descriptor::wait_read,
                         [handler](error_code ec) mutable { handler(true, ec); });
    }
    if ((w->what & CURL_POLL_OUT) && !w->writing) {
        w->writing = true;
        w->sd.async_wait(asio::posix::stream_descriptor::wait_write,
                         [handler](error_code ec) mutable { handler(false, ec); });
    }
}

void CurlMultiLoop::act(curl_socket_t s, int ev_bitmask) {
    int running = 0;
    curl_multi_socket_action(multi_.get(), s, ev_bitmask, &running);
    drain();
}

void CurlMultiLoop::drain() {
    std::vector<std::pair<CURL*, CURLcode>> done;
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_.get(), &left)) {
        if (msg->msg == CURLMSG_DONE) done.emplace_back(msg->easy_handle, msg->data.result);
    }
    for (auto [easy, result] : done) {
        curl_multi_remove_handle(multi_.get(), easy);
        on_done_(easy, result);
    }
}

}  // namespace tributary::fetch
