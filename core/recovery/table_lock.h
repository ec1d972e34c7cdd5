#pragma once
// `--lock-mode table`: the tree's lock is a row in `turnstone_migrate_lock` (primary key = tree),
// inserted on a dedicated connection and deleted on release. Unlike GET_LOCK it replicates across
// MariaDB Galera nodes (the losing INSERT fails certification or hits the key and retries).
// A row whose process is gone stays until it expires (a lease) or `--break-lock` removes it.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/dialect.h"

namespace tsm {

inline constexpr const char* kLockTable = "turnstone_migrate_lock";
// How long a lock row counts as held without its holder refreshing it (a heartbeat thread
// refreshes it every lease/4 while the holder runs).
inline constexpr std::chrono::seconds kLockLease{300};

// `conn` must be a connection of its own (its statements autocommit and it must outlive the lock).
// LockTimeoutError (exit 4) after `timeout`, naming the holder.
std::unique_ptr<Lock> acquire_table_lock(std::unique_ptr<Connection> conn, const std::string& tree,
                                         std::chrono::seconds timeout, bool break_lock,
                                         const std::function<void(const std::string&)>& waiting);

}  // namespace tsm
