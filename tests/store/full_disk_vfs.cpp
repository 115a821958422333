#include "full_disk_vfs.hpp"

#include <sqlite3.h>

#include <atomic>
#include <cstring>
#include <stdexcept>

namespace tributary::store::test_support {
namespace {

struct State {
    sqlite3_vfs* real = nullptr;
    std::atomic<bool> full{false};
    std::atomic<int> refused{0};
};
State g_state;  // SQLite's callbacks carry no pointer of ours on files; one instance at a time
sqlite3_vfs g_vfs;
bool g_installed = false;

// Our file object, with the real VFS's file object right behind it.
struct File {
    sqlite3_file base;
};

sqlite3_file* real_of(sqlite3_file* f) { return reinterpret_cast<sqlite3_file*>(reinterpret_cast<File*>(f) + 1); }

int x_close(sqlite3_file* f) { return real_of(f)->pMethods->xClose(real_of(f)); }
int x_read(sqlite3_file* f, void* buf, int amount, sqlite3_int64 offset) {
    return real_of(f)->pMethods->xRead(real_of(f), buf, amount, offset);
}
int x_write(sqlite3_file* f, const void* buf, int amount, sqlite3_int64 offset) {
    if (g_state.full.load()) {
        g_state.refused.fetch_add(1);
        return SQLITE_FULL;
    }
    return real_of(f)->pMethods->xWrite(real_of(f), buf, amount, offset);
}
int x_truncate(sqlite3_file* f, sqlite3_int64 size) { return real_of(f)->pMethods->xTruncate(real_of(f), size); }
int x_sync(sqlite3_file* f, int flags) { return real_of(f)->pMethods->xSync(real_of(f), flags); }
int x_file_size(sqlite3_file* f, sqlite3_int64* size) { return real_of(f)->pMethods->xFileSize(real_of(f), size); }
int x_lock(sqlite3_file* f, int level) { return real_of(f)->pMethods->xLock(real_of(f), level); }
int x_unlock(sqlite3_file* f, int level) { return real_of(f)->pMethods->xUnlock(real_of(f), level); }
int x_check_reserved_lock(sqlite3_file* f, int* out) {
    return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}
int x_file_control(sqlite3_file* f, int op, void* arg) {
    return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}
int x_sector_size(sqlite3_file* f) { return real_of(f)->pMethods->xSectorSize(real_of(f)); }
int x_device_characteristics(sqlite3_file* f) { return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f)); }
int x_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
    return real_of(f)->pMethods->xShmMap(real_of(f), region, size, extend, out);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
    return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}
void x_shm_barrier(sqlite3_file* f) { real_of(f)->pMethods->xShmBarrier(real_of(f)); }
int x_shm_unmap(sqlite3_file* f, int delete_flag) { return real_of(f)->pMethods->xShmUnmap(real_of(f), delete_flag); }
int x_fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
    return real_of(f)->pMethods->xFetch(real_of(f), offset, amount, out);
}
int x_unfetch(sqlite3_file* f, sqlite3_int64 offset, void* p) {
    return real_of(f)->pMethods->xUnfetch(real_of(f), offset, p);
}

// Version 3 methods: the unix VFS's files have them all (WAL needs the xShm* ones).
const sqlite3_io_methods kMethods = {
    3,
    x_close,
    x_read,
    x_write,
    x_truncate,
    x_sync,
    x_file_size,
    x_lock,
    x_unlock,
    x_check_reserved_lock,
    x_file_control,
    x_sector_size,
    x_device_characteristics,
    x_shm_map,
    x_shm_lock,
    x_shm_barrier,
    x_shm_unmap,
    x_fetch,
    x_unfetch,
};

int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
    sqlite3_file* real = real_of(f);
    std::memset(real, 0, static_cast<std::size_t>(g_state.real->szOsFile));
    const int rc = g_state.real->xOpen(g_state.real, name, real, flags, out_flags);
    // SQLite calls xClose whenever pMethods is set, even after a failed open: mirror the real file.
    f->pMethods = real->pMethods != nullptr ? &kMethods : nullptr;
    return rc;
}

// Everything but opening files is the real VFS's business.
int x_delete(sqlite3_vfs*, const char* name, int sync_dir) {
    return g_state.real->xDelete(g_state.real, name, sync_dir);
}
int x_access(sqlite3_vfs*, const char* name, int flags, int* out) {
    return g_state.real->xAccess(g_state.real, name, flags, out);
}
int x_full_pathname(sqlite3_vfs*, const char* name, int size, char* out) {
    return g_state.real->xFullPathname(g_state.real, name, size, out);
}
void* x_dl_open(sqlite3_vfs*, const char* name) { return g_state.real->xDlOpen(g_state.real, name); }
void x_dl_error(sqlite3_vfs*, int size, char* out) { g_state.real->xDlError(g_state.real, size, out); }
void (*x_dl_sym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
    return g_state.real->xDlSym(g_state.real, handle, symbol);
}
void x_dl_close(sqlite3_vfs*, void* handle) { g_state.real->xDlClose(g_state.real, handle); }
int x_randomness(sqlite3_vfs*, int size, char* out) { return g_state.real->xRandomness(g_state.real, size, out); }
int x_sleep(sqlite3_vfs*, int micros) { return g_state.real->xSleep(g_state.real, micros); }
int x_current_time(sqlite3_vfs*, double* out) { return g_state.real->xCurrentTime(g_state.real, out); }
int x_get_last_error(sqlite3_vfs*, int size, char* out) { return g_state.real->xGetLastError(g_state.real, size, out); }
int x_current_time_int64(sqlite3_vfs*, sqlite3_int64* out) {
    return g_state.real->xCurrentTimeInt64(g_state.real, out);
}

}  // namespace

FullDiskVfs::FullDiskVfs() {
    if (g_installed) throw std::logic_error("FullDiskVfs: one at a time");
    if (sqlite3_initialize() != SQLITE_OK) throw std::runtime_error("FullDiskVfs: sqlite3_initialize failed");
    g_state.real = sqlite3_vfs_find(nullptr);
    if (g_state.real == nullptr || g_state.real->iVersion < 2)
        throw std::runtime_error("FullDiskVfs: no default VFS to wrap");
    g_state.full = false;
    g_state.refused = 0;
    g_vfs = sqlite3_vfs{};
    g_vfs.iVersion = 2;
    g_vfs.szOsFile = static_cast<int>(sizeof(File)) + g_state.real->szOsFile;
    g_vfs.mxPathname = g_state.real->mxPathname;
    g_vfs.zName = "tributary-full-disk";
    g_vfs.xOpen = x_open;
    g_vfs.xDelete = x_delete;
    g_vfs.xAccess = x_access;
    g_vfs.xFullPathname = x_full_pathname;
    g_vfs.xDlOpen = x_dl_open;
    g_vfs.xDlError = x_dl_error;
    g_vfs.xDlSym = x_dl_sym;
    g_vfs.xDlClose = x_dl_close;
    g_vfs.xRandomness = x_randomness;
    g_vfs.xSleep = x_sleep;
    g_vfs.xCurrentTime = x_current_time;
    g_vfs.xGetLastError = x_get_last_error;
    g_vfs.xCurrentTimeInt64 = x_current_time_int64;
    if (sqlite3_vfs_register(&g_vfs, 1) != SQLITE_OK) throw std::runtime_error("FullDiskVfs: register failed");
    g_installed = true;
}

FullDiskVfs::~FullDiskVfs() {
    sqlite3_vfs_unregister(&g_vfs);
    sqlite3_vfs_register(g_state.real, 1);
    g_installed = false;
}

void FullDiskVfs::set_full(bool full) noexcept { g_state.full = full; }

int FullDiskVfs::refused_writes() const noexcept { return g_state.refused.load(); }

}  // namespace tributary::store::test_support
