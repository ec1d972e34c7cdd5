// What judging a statement left in doubt by a kill needs from the server (core/recovery,
// core/run/incomplete_revision.cpp): one table's or view's definition as the server prints it
// (one SHOW CREATE TABLE opens that object alone; information_schema would read every table),
// and whether the killed run's statement still runs.
#include <cctype>

#include "core/base/errors.h"
#include "dialects/mariadb/mariadb_connection.h"

namespace tsm::mariadb {
namespace {

std::string backquoted(const std::string& name) {
  std::string out = "`";
  for (char c : name) {
    out += c;
    if (c == '`') out += '`';
  }
  return out + "`";
}

bool has_code(const StatementError& e, const char* code) {
  return std::string(e.what()).rfind(std::string("MariaDB error ") + code + ":", 0) == 0;
}

// The table option AUTO_INCREMENT=n moves with every insert: it is no part of the definition.
std::string without_auto_increment(std::string text) {
  const std::string option = " AUTO_INCREMENT=";
  for (std::size_t at = text.find(option); at != std::string::npos; at = text.find(option, at)) {
    std::size_t end = at + option.size();
    while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
    if (end == at + option.size()) {
      at = end;  // not followed by a number: keep it
      continue;
    }
    text.erase(at, end - at);
  }
  return text;
}

}  // namespace

std::optional<std::string> MariaDbConnection::object_definition(const std::vector<std::string>& name) {
  // SET STATEMENT … FOR is MariaDB's. It pins what shapes the text (quoting, the options
  // NO_TABLE_OPTIONS and the like leave out): a revision's session statements may change sql_mode
  // between the fingerprint before a statement and the one the next run compares it with.
  if (!is_mariadb_ || name.empty() || name.size() > 2) return std::nullopt;
  std::string target;
  for (const auto& part : name) target += (target.empty() ? "" : ".") + backquoted(part);
  std::vector<Row> rows;
  try {
    rows = query("SET STATEMENT sql_mode = '', sql_quote_show_create = 1 FOR SHOW CREATE TABLE " + target);
  } catch (const StatementError& e) {
    if (has_code(e, "1146") || has_code(e, "1049")) return std::string();  // no such table / database
    throw;
  }
  if (rows.size() != 1 || rows[0].size() < 2 || !rows[0][1]) return std::nullopt;
  return without_auto_increment(*rows[0][1]);
}

// The killed client's session stays in the process list, running its statement, until the
// statement ends. Without the PROCESS privilege a user sees only its own sessions: the migration
// runs as one user, so its sessions are those. The text is compared whole, on this database.
bool MariaDbConnection::still_running(const std::string& sql) {
  auto rows = query("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() "
                    "AND COMMAND = 'Query' AND DB <=> DATABASE() AND INFO = ?",
                    {sql});
  return !rows.empty() && rows[0][0] && *rows[0][0] != "0";
}

}  // namespace tsm::mariadb
