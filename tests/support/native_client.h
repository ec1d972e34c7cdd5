#pragma once
// Feeds a script file to the dialect's own command-line client, as a DBA would: sqlite3 -bail,
// psql with ON_ERROR_STOP, the mariadb client. Returns the shell's status (0 = every statement ran).
#include <cstdlib>
#include <string>

#include "core/base/url.h"
#include "tests/support/test_db.h"

namespace tsm::test {

inline int run_native_client(const TestDatabase& db, const std::string& script_path) {
  auto url = tsm::parse_url(db.url());
  std::string cmd;
  switch (db.kind()) {
    case tsm::DialectKind::sqlite: cmd = "sqlite3 -bail '" + db.name() + "' < '" + script_path + "'"; break;
    case tsm::DialectKind::postgresql:
      cmd = "psql -q -v ON_ERROR_STOP=1 '" + db.url() + "' -f '" + script_path + "' >/dev/null";
      break;
    case tsm::DialectKind::mariadb:
      cmd = "MYSQL_PWD='" + url.password.value_or("") + "' mariadb -h " + url.host + " -P " +
            std::to_string(url.port.value_or(3306)) + " -u " + url.user.value_or("") + " " + url.database + " < '" +
            script_path + "'";
      break;
  }
  return std::system(cmd.c_str());
}

}  // namespace tsm::test
