#include "store/migrations.hpp"

#include <string>

namespace tributary::store::detail {
namespace {

Result<void> check_list(std::span<const Migration> migrations) {
    int expected = 1;
    for (const Migration& m : migrations) {
        if (m.version != expected) {
            return fail(ErrorKind::Internal, "store: migration " + std::string(m.name) + " has version " +
                                                 std::to_string(m.version) + ", expected " + std::to_string(expected));
        }
        ++expected;
    }
    return {};
}

std::unexpected<Error> too_new(int found, int known) {
    return fail(ErrorKind::Db, "store: database schema version " + std::to_string(found) +
                                   " is newer than this build of tributary knows (" + std::to_string(known) +
                                   "); use a newer tributary");
}

// "store: migration X: commit: <message>" from "store: commit: <message>".
std::unexpected<Error> within(const std::string& what, const Error& error) {
    std::string_view inner = error.message;
    if (inner.starts_with("store: ")) inner.remove_prefix(7);
    return db_error(what, inner);
}

}  // namespace

int latest_version(std::span<const Migration> migrations) noexcept {
    return migrations.empty() ? 0 : migrations.back().version;
}

Result<int> migrate(Db& db, std::span<const Migration> migrations, std::vector<std::string_view>* applied) {
    if (auto ok = check_list(migrations); !ok) return std::unexpected(ok.error());
    const int latest = latest_version(migrations);
    auto current = db.user_version();
    if (!current) return std::unexpected(current.error());
    if (*current > latest) return too_new(*current, latest);

    for (const Migration& m : migrations) {
        if (m.version <= *current) continue;
        const std::string what = "migration " + std::string(m.name);
        auto tx = Transaction::begin(db);
        if (!tx) return within(what, tx.error());
        // Another process may have migrated between our read and our lock.
        auto now = db.user_version();
        if (!now) return std::unexpected(now.error());
        if (*now > latest) return too_new(*now, latest);
        if (*now >= m.version) {
            *current = *now;
            continue;
        }
        if (auto r = db.exec(m.sql, what); !r) return std::unexpected(r.error());
        if (auto r = db.set_user_version(m.version); !r) return within(what, r.error());
        if (auto r = tx->commit(); !r) return within(what, r.error());
        *current = m.version;
        if (applied != nullptr) applied->push_back(m.name);
    }
    return *current;
}

Result<int> check_version(Db& db, std::span<const Migration> migrations) {
    const int latest = latest_version(migrations);
    auto current = db.user_version();
    if (!current) return std::unexpected(current.error());
    if (*current > latest) return too_new(*current, latest);
    if (*current < latest) {
        return fail(ErrorKind::Db, "store: database schema version " + std::to_string(*current) +
                                       " is older than this build expects (" + std::to_string(latest) +
                                       "); start the daemon once to migrate it");
    }
    return *current;
}

}  // namespace tributary::store::detail
