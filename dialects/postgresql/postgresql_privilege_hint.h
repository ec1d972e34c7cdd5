#pragma once
// What to grant when PostgreSQL refuses a statement with insufficient_privilege (SQLSTATE 42501):
// the server names the object ("permission denied for schema public", "must be owner of table
// log_entries") but not the privilege or the GRANT that would fix it, so the operator gets both.
#include <string>

namespace tsm::postgresql {

// The advice to append to the server's message, or "" when the message names nothing we know.
// `user` is the login the tool runs as (quoted in the GRANT it suggests).
std::string privilege_hint(const std::string& message, const std::string& user);

}  // namespace tsm::postgresql
