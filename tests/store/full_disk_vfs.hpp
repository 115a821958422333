#pragma once
// A test double for a full disk: an SQLite VFS that wraps the default one and,
// while full, refuses every write with SQLITE_FULL (what the unix VFS reports
// for ENOSPC). It is stricter than a real full disk, which still lets SQLite
// overwrite blocks it already owns (a restarted WAL): refusing every write makes
// sure each transaction under test meets the failure, wherever SQLite defers it.
//
// PRAGMA max_page_count cannot stand in for this: it only limits the pages of
// the main database file, so it fails the statement that needs one more page,
// at step(), and never the WAL write at commit, which is where a full disk
// meets a WAL-mode database.

namespace tributary::store::test_support {

class FullDiskVfs {
public:
    // Registers the VFS as the default one, so every connection opened while
    // it lives goes through it; the previous default comes back on destruction.
    // Connections opened through it must be closed first.
    FullDiskVfs();
    ~FullDiskVfs();
    FullDiskVfs(const FullDiskVfs&) = delete;
    FullDiskVfs& operator=(const FullDiskVfs&) = delete;

    void set_full(bool full) noexcept;
    // Writes refused since construction.
    int refused_writes() const noexcept;
};

}  // namespace tributary::store::test_support
