#include "publish/atomic_file.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace tributary::publish {
namespace {

namespace fs = std::filesystem;

std::string read_all(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

class AtomicFileTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "tributary-publish-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir = tmpl;
    }
    void TearDown() override {
        std::error_code ec;
        fs::permissions(dir, fs::perms::owner_all, fs::perm_options::add, ec);
        fs::remove_all(dir, ec);
    }
    std::size_t entries() const {
        return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
    }
    fs::path dir;
};

TEST_F(AtomicFileTest, CreatesTheFileWithMode0644) {
    const fs::path target = dir / "merged.xml";
    ASSERT_TRUE(write_file_atomically(target, "<rss/>\n").has_value());
    EXPECT_EQ(read_all(target), "<rss/>\n");
    struct stat st {};
    ASSERT_EQ(::stat(target.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0644u);
    EXPECT_EQ(entries(), 1u);  // no temporary file left behind
}

TEST_F(AtomicFileTest, AppliesTheGivenModeOnEveryReplacementWhateverTheUmask) {
    const fs::path target = dir / "merged.xml";
    const mode_t old_mask = ::umask(077);  // would make a plain open(0644) 0600
    const auto mode_of = [&target] {
        struct stat st {};
        EXPECT_EQ(::stat(target.c_str(), &st), 0);
        return st.st_mode & 07777;
    };
    EXPECT_TRUE(write_file_atomically(target, "one\n", 0640).has_value());
    EXPECT_EQ(mode_of(), 0640u);
    // A replacement takes the mode given now, not the old file's.
    EXPECT_TRUE(write_file_atomically(target, "two\n", 0604).has_value());
    EXPECT_EQ(mode_of(), 0604u);
    ::umask(old_mask);
    EXPECT_EQ(read_all(target), "two\n");
    EXPECT_EQ(entries(), 1u);
}

TEST_F(AtomicFileTest, ReplacesExistingContent) {
    const fs::path target = dir / "merged.xml";
    ASSERT_TRUE(write_file_atomically(target, std::string(100'000, 'a')).has_value());
    const std::string second("second\0with nul\n", 16);
    ASSERT_TRUE(write_file_atomically(target, second).has_value());
    EXPECT_EQ(read_all(target), second);
    EXPECT_EQ(entries(), 1u);
}

TEST_F(AtomicFileTest, WritesLargeAndEmptyContent) {
    const fs::path target = dir / "big.xml";
    std::string big(8u << 20, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 % 251);
    ASSERT_TRUE(write_file_atomically(target, big).has_value());
    EXPECT_EQ(read_all(target), big);
    ASSERT_TRUE(write_file_atomically(target, "").has_value());
    EXPECT_EQ(fs::file_size(target), 0u);
    EXPECT_EQ(entries(), 1u);
}

TEST_F(AtomicFileTest, RelativePathUsesTheCurrentDirectory) {
    const fs::path before = fs::current_path();
    fs::current_path(dir);
    const auto result = write_file_atomically("relative.xml", "x");
    fs::current_path(before);
    ASSERT_TRUE(result.has_value()) << result.error().message;
    EXPECT_EQ(read_all(dir / "relative.xml"), "x");
}

TEST_F(AtomicFileTest, MissingDirectoryFailsWithIoError) {
    const fs::path target = dir / "missing" / "merged.xml";
    const auto result = write_file_atomically(target, "x");
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().kind, ErrorKind::Io);
    EXPECT_EQ(result.error().message, "publish: cannot write " + target.string() + ": No such file or directory");
    EXPECT_FALSE(fs::exists(dir / "missing"));
}

TEST_F(AtomicFileTest, TargetIsADirectoryFailsAndLeavesNoTemporary) {
    const fs::path target = dir / "sub";
    fs::create_directory(target);
    fs::create_directory(target / "child");  // rename(2) onto a non-empty directory must fail
    const auto result = write_file_atomically(target, "x");
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().kind, ErrorKind::Io);
    EXPECT_TRUE(result.error().message.starts_with("publish: cannot write " + target.string() + ": "))
        << result.error().message;
    EXPECT_EQ(entries(), 1u);  // only "sub": the temporary file was removed
    EXPECT_TRUE(fs::is_directory(target / "child"));
}

TEST_F(AtomicFileTest, ReadOnlyDirectoryKeepsTheOldFile) {
    if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
    const fs::path target = dir / "merged.xml";
    ASSERT_TRUE(write_file_atomically(target, "old").has_value());
    fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec);
    const auto result = write_file_atomically(target, "new");
    fs::permissions(dir, fs::perms::owner_all);
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().kind, ErrorKind::Io);
    EXPECT_EQ(result.error().message, "publish: cannot write " + target.string() + ": Permission denied");
    EXPECT_EQ(read_all(target), "old");
    EXPECT_EQ(entries(), 1u);
}

TEST_F(AtomicFileTest, FailedWriteKeepsTheOldFile) {
    // RLIMIT_FSIZE makes write(2) come up short and then fail with EFBIG, even
    // for root: the short-write loop runs, then the error path.
    const fs::path target = dir / "merged.xml";
    ASSERT_TRUE(write_file_atomically(target, "old").has_value());
    rlimit saved{};
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
    const auto previous = std::signal(SIGXFSZ, SIG_IGN);
    rlimit small = saved;
    small.rlim_cur = 1024;
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
    const auto result = write_file_atomically(target, std::string(4096, 'n'));
    ::setrlimit(RLIMIT_FSIZE, &saved);
    std::signal(SIGXFSZ, previous);
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().kind, ErrorKind::Io);
    EXPECT_EQ(result.error().message, "publish: cannot write " + target.string() + ": File too large");
    EXPECT_EQ(read_all(target), "old");
    EXPECT_EQ(entries(), 1u);
}

}  // namespace
}  // namespace tributary::publish
