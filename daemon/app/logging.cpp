#include "app/logging.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/systemd_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <mutex>
#include <string>

namespace tributary::app {
namespace {

constexpr std::string_view kDaemonLogger = "tributary";

// spdlog's systemd sink with two fields more: FEED, taken from the message, and the stage.
// It keeps the parent's priorities (debug and trace -> LOG_DEBUG, … critical -> LOG_CRIT) and
// identifier.
class JournalSink final : public spdlog::sinks::systemd_sink<std::mutex> {
public:
    explicit JournalSink(JournalSender send) : systemd_sink(std::string(kDaemonLogger)), send_(std::move(send)) {}

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        const std::string_view payload(msg.payload.data(), msg.payload.size());
        const std::string_view logger(msg.logger_name.data(), msg.logger_name.size());
        std::array<std::string, 5> fields{"MESSAGE=" + std::string(payload),
                                          "PRIORITY=" + std::to_string(syslog_level(msg.level)),
                                          "SYSLOG_IDENTIFIER=" + ident_, std::string{}, std::string{}};
        std::size_t count = 3;
        if (!logger.empty() && logger != kDaemonLogger) fields[count++] = "TRIBUTARY_STAGE=" + std::string(logger);
        if (const std::string_view feed = feed_of(payload); !feed.empty())
            fields[count++] = "FEED=" + std::string(feed);
        std::array<iovec, 5> vectors{};
        for (std::size_t i = 0; i < count; ++i) vectors[i] = iovec{fields[i].data(), fields[i].size()};
        // spdlog reports a sink's exception on stderr and goes on.
        if (const int rc = send_(std::span<const iovec>(vectors.data(), count)); rc < 0)
            spdlog::throw_spdlog_ex("cannot write to the journal", -rc);
    }

private:
    JournalSender send_;
};

spdlog::level::level_enum to_spdlog(const std::optional<std::string>& level) {
    return level ? spdlog::level::from_str(*level) : spdlog::level::info;
}

}  // namespace

bool stderr_is_journal(const char* journal_stream, int fd) {
    if (journal_stream == nullptr) return false;
    const std::string_view text = journal_stream;
    const std::size_t colon = text.find(':');
    if (colon == std::string_view::npos) return false;
    unsigned long long device = 0;
    unsigned long long inode = 0;
    const auto parse = [](std::string_view digits, unsigned long long& out) {
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
        return ec == std::errc{} && end == digits.data() + digits.size() && !digits.empty();
    };
    if (!parse(text.substr(0, colon), device) || !parse(text.substr(colon + 1), inode)) return false;
    struct stat st {};
    if (::fstat(fd, &st) != 0) return false;
    return static_cast<unsigned long long>(st.st_dev) == device && static_cast<unsigned long long>(st.st_ino) == inode;
}

std::string_view feed_of(std::string_view message) {
    constexpr std::string_view kPrefix = "feed=";
    if (!message.starts_with(kPrefix)) return {};
    message.remove_prefix(kPrefix.size());
    return message.substr(0, message.find_first_of(" \t\r\n:;,"));
}

std::shared_ptr<spdlog::sinks::sink> make_journal_sink(JournalSender send) {
    if (!send)
        send = [](std::span<const iovec> fields) {
            return sd_journal_sendv(fields.data(), static_cast<int>(fields.size()));
        };
    return std::make_shared<JournalSink>(std::move(send));
}

LogLevels choose_log_levels(std::string_view config_spec, const char* env, std::string_view cli_spec,
                            std::vector<std::string>& warnings) {
    LogLevels levels;
    const auto layer = [&](std::string_view spec, std::string_view source) {
        if (spec.empty()) return;
        if (auto parsed = parse_log_levels(spec))
            levels = overlay(std::move(levels), *parsed);
        else
            warnings.push_back(std::string(source) + " ignored: " + parsed.error().message);
    };
    layer(config_spec, "log_level");
    layer(env == nullptr ? std::string_view{} : std::string_view{env}, "TRIBUTARY_LOG");
    layer(cli_spec, "--log-level");
    return levels;
}

void init_logging(std::string_view config_spec, std::string_view cli_spec) {
    std::vector<std::string> warnings;
    const LogLevels levels = choose_log_levels(config_spec, std::getenv("TRIBUTARY_LOG"), cli_spec, warnings);
    std::shared_ptr<spdlog::sinks::sink> sink;
    if (stderr_is_journal(std::getenv("JOURNAL_STREAM"), 2)) {
        sink = make_journal_sink();
    } else {
        sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
        sink->set_pattern("%Y-%m-%dT%H:%M:%S.%e [%l] %v");
    }
    const auto install = [&](std::string_view name, std::string_view stage) {
        auto logger = std::make_shared<spdlog::logger>(std::string(name), sink);
        logger->set_level(to_spdlog(levels.level_of(stage)));
        logger->flush_on(spdlog::level::info);
        spdlog::drop(std::string(name));
        spdlog::register_logger(logger);
        return logger;
    };
    for (const std::string_view stage : kLogStages) install(stage, stage);
    spdlog::set_default_logger(install(kDaemonLogger, ""));
    for (const std::string& warning : warnings) spdlog::warn("{}", warning);
}

}  // namespace tributary::app
