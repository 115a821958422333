#pragma once
#include <chrono>

namespace tributary {

using SysTime = std::chrono::sys_seconds;  // always UTC inside the daemon

// Injected wherever "now" matters so tests can run on a fake clock.
class Clock {
public:
    virtual ~Clock() = default;
    virtual SysTime now() const = 0;
};

class SystemClock final : public Clock {
public:
    SysTime now() const override {
        return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    }
};

class FakeClock final : public Clock {
public:
    explicit FakeClock(SysTime start) : now_(start) {}
    SysTime now() const override { return now_; }
    void advance(std::chrono::seconds by) { now_ += by; }
    void set(SysTime to) { now_ = to; }

private:
    SysTime now_;
};

}  // namespace tributary
