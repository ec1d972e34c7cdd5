#include "core/recovery/schema_sql.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <variant>
#include <vector>

namespace tsm {
namespace {

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// The statement's tokens, enough to tell its kind: words upper-cased, any quoted identifier or
// literal one token ("\"" / "'"), comments gone, other characters one token each. MariaDB's
// executable comments (/*! … */, /*M! … */) are read as the code they hold.
std::vector<std::string> tokens(const std::string& sql, DialectKind dialect) {
  const bool mariadb = dialect == DialectKind::mariadb;
  std::vector<std::string> out;
  const size_t n = sql.size();
  size_t i = 0;
  int executable = 0;  // open MariaDB executable comments
  auto skip_quoted = [&](char close, bool backslash) {
    for (++i; i < n; ++i) {
      if (backslash && sql[i] == '\\') {
        ++i;
      } else if (sql[i] == close) {
        if (i + 1 < n && sql[i + 1] == close)
          ++i;  // doubled: an escaped quote
        else
          break;
      }
    }
    ++i;
  };
  while (i < n) {
    const char c = sql[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
      i = sql.find('\n', i);
      if (i == std::string::npos) i = n;
    } else if (c == '#' && mariadb) {
      i = sql.find('\n', i);
      if (i == std::string::npos) i = n;
    } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      size_t marker = i + 2;
      if (mariadb && marker < n && sql[marker] == 'M') ++marker;
      if (mariadb && marker < n && sql[marker] == '!') {
        for (i = marker + 1; i < n && std::isdigit(static_cast<unsigned char>(sql[i]));) ++i;
        ++executable;
        continue;
      }
      int depth = 1;  // PostgreSQL nests block comments
      for (i += 2; i < n && depth > 0;) {
        if (dialect == DialectKind::postgresql && sql.compare(i, 2, "/*") == 0) {
          ++depth;
          i += 2;
        } else if (sql.compare(i, 2, "*/") == 0) {
          --depth;
          i += 2;
        } else {
          ++i;
        }
      }
    } else if (c == '*' && executable > 0 && i + 1 < n && sql[i + 1] == '/') {
      --executable;
      i += 2;
    } else if (c == '\'') {
      skip_quoted('\'', mariadb);
      out.push_back("'");
    } else if (c == '"' || c == '`') {
      skip_quoted(c, false);
      out.push_back("\"");
    } else if (c == '$' && dialect == DialectKind::postgresql) {
      size_t end = i + 1;
      while (end < n && word_char(sql[end]) && sql[end] != '$') ++end;
      if (end < n && sql[end] == '$') {  // $tag$ … $tag$
        const std::string tag = sql.substr(i, end - i + 1);
        size_t close = sql.find(tag, end + 1);
        i = close == std::string::npos ? n : close + tag.size();
        out.push_back("'");
      } else {
        out.push_back("$");
        ++i;
      }
    } else if (word_char(c)) {
      size_t end = i;
      while (end < n && word_char(sql[end])) ++end;
      out.push_back(upper(sql.substr(i, end - i)));
      i = end;
    } else {
      out.emplace_back(1, c);
      ++i;
    }
  }
  return out;
}

// Statements that change data, sessions, privileges or statistics, never tables or indexes.
const std::set<std::string>& data_words() {
  static const std::set<std::string> words{
      "SELECT",   "WITH",     "INSERT",    "UPDATE",     "DELETE",    "REPLACE",  "MERGE",   "UPSERT",  "VALUES",
      "TABLE",    "SET",      "RESET",     "SHOW",       "EXPLAIN",   "DESCRIBE", "DESC",    "ANALYZE", "ANALYSE",
      "VACUUM",   "REINDEX",  "CLUSTER",   "CHECKPOINT", "LOCK",      "UNLOCK",   "GRANT",   "REVOKE",  "COMMENT",
      "NOTIFY",   "LISTEN",   "UNLISTEN",  "DISCARD",    "COPY",      "LOAD",     "HANDLER", "PREPARE", "DEALLOCATE",
      "BEGIN",    "START",    "COMMIT",    "ROLLBACK",   "SAVEPOINT", "RELEASE",  "END",     "ABORT",   "TRUNCATE",
      "OPTIMIZE", "CHECKSUM", "REPAIR",    "CHECK",      "FLUSH",     "KILL",     "PRAGMA",  "REFRESH", "SECURITY",
      "DECLARE",  "FETCH",    "MOVE",      "CLOSE",      "XA",        "ATTACH",   "DETACH",  "USE",     "CACHE",
      "PURGE",    "INSTALL",  "UNINSTALL", "SIGNAL",     "RESIGNAL",  "GET",      "HELP",    "BINLOG",  "CHANGE",
  };
  return words;
}

// Object kinds whose CREATE/ALTER/DROP never changes what introspection describes.
const std::set<std::string>& undescribed_kinds() {
  static const std::set<std::string> kinds{
      "VIEW",       "TRIGGER",   "FUNCTION",   "PROCEDURE", "ROUTINE",     "AGGREGATE",    "OPERATOR",  "CAST",
      "LANGUAGE",   "COLLATION", "CONVERSION", "SERVER",    "PUBLICATION", "SUBSCRIPTION", "TRANSFORM", "SEARCH",
      "POLICY",     "RULE",      "STATISTICS", "ROLE",      "USER",        "GROUP",        "EVENT",     "PACKAGE",
      "TABLESPACE", "SYNONYM",   "ACCESS",     "FOREIGN",   "PRIVILEGES",  "SYSTEM",       "LARGE",     "MATERIALIZED",
  };
  return kinds;
}

// Object kinds that are, or can change, tables, columns and indexes.
const std::set<std::string>& described_kinds() {
  static const std::set<std::string> kinds{"TABLE",    "INDEX", "EXTENSION", "SCHEMA",
                                           "DATABASE", "TYPE",  "DOMAIN",    "SEQUENCE"};
  return kinds;
}

// CREATE / ALTER / DROP starting at tokens[at].
bool ddl_may_change(const std::vector<std::string>& t, size_t at, const std::string& sql, DialectKind dialect) {
  // PostgreSQL's CASCADE also drops what depends on the object: defaults, columns, constraints.
  if (t[at] == "DROP" && std::find(t.begin() + static_cast<std::ptrdiff_t>(at), t.end(), "CASCADE") != t.end())
    return true;
  bool temporary = false;
  // Modifiers come first (OR REPLACE, UNIQUE, DEFINER = `u`@`h`, ALGORITHM = MERGE, SQL SECURITY …).
  for (size_t i = at + 1; i < t.size() && i < at + 16; ++i) {
    const std::string& w = t[i];
    if (w == "TEMP" || w == "TEMPORARY") temporary = true;
    if (undescribed_kinds().count(w)) {
      // An SQLite trigger that keeps an FTS5 table in step is one of its full-text objects.
      if (w == "TRIGGER" && dialect == DialectKind::sqlite) {
        std::string lower = sql;
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return lower.find("fts") != std::string::npos;
      }
      return false;
    }
    if (described_kinds().count(w)) return !(temporary && w == "TABLE");
  }
  return true;  // a kind not recognised: assume it may
}

}  // namespace

bool may_change_compared_schema(const std::string& sql, DialectKind dialect) {
  const auto t = tokens(sql, dialect);
  size_t i = 0;
  while (i < t.size() && (t[i] == "(" || t[i] == ";")) ++i;
  if (i == t.size()) return false;  // nothing but comments
  const std::string& first = t[i];
  if (first == "DO") return dialect == DialectKind::postgresql;  // MariaDB's DO only evaluates expressions
  if (data_words().count(first)) return false;
  if (first == "CREATE" || first == "ALTER" || first == "DROP") return ddl_may_change(t, i, sql, dialect);
  if (first == "RENAME") return !(i + 1 < t.size() && t[i + 1] == "USER");
  return true;  // CALL, EXECUTE, anything else
}

bool runs_schema_sql(const Revision& revision, DialectKind dialect) {
  for (const auto& op : revision.upgrade_ops()) {
    const auto* raw = std::get_if<Execute>(&op);
    if (!raw) continue;
    auto sql = raw->for_dialect(dialect);
    if (sql && may_change_compared_schema(*sql, dialect)) return true;
  }
  return false;
}

}  // namespace tsm
