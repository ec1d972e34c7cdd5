// Rules on raw SQL (Execute): a small per-dialect pattern scan over tokens (comments and
// literals already gone, see sql_scan.h). It reads statements the way a reviewer skims them; it
// is no SQL parser, and says so in docs/lint.md.
#include <initializer_list>
#include <string>

#include <fmt/format.h>

#include "core/lint/hits.h"
#include "core/lint/sql_scan.h"

namespace tsm::lint {
namespace {

using Scale = Hit::Scale;
using Tokens = std::vector<Token>;
constexpr std::size_t npos = static_cast<std::size_t>(-1);

bool is(const Tokens& t, std::size_t i, const char* word) {
  return i < t.size() && t[i].kind == Token::Kind::word && t[i].text == word;
}
bool is_punct(const Tokens& t, std::size_t i, const char* p) {
  return i < t.size() && t[i].kind == Token::Kind::punct && t[i].text == p;
}
// First index >= from of `word` at parenthesis depth 0, or npos.
std::size_t find_top(const Tokens& t, const char* word, std::size_t from = 0) {
  int depth = 0;
  for (std::size_t i = from; i < t.size(); ++i) {
    if (is_punct(t, i, "(")) ++depth;
    if (is_punct(t, i, ")")) --depth;
    if (depth == 0 && is(t, i, word)) return i;
  }
  return npos;
}
bool has_word(const Tokens& t, const char* word) {
  for (std::size_t i = 0; i < t.size(); ++i)
    if (is(t, i, word)) return true;
  return false;
}
std::size_t skip_words(const Tokens& t, std::size_t i, std::initializer_list<const char*> words) {
  for (bool moved = true; moved;) {
    moved = false;
    for (const char* w : words)
      if (is(t, i, w)) {
        ++i;
        moved = true;
      }
  }
  return i;
}
// A (possibly schema-qualified) name at i: its last part, and the index after it.
std::string name_at(const Tokens& t, std::size_t& i) {
  std::string name;
  while (i < t.size() && (t[i].kind == Token::Kind::word || t[i].kind == Token::Kind::identifier)) {
    name = t[i].raw;
    ++i;
    if (!is_punct(t, i, ".")) break;
    ++i;
  }
  return name;
}
// Top-level comma-separated parts of t[from, end).
std::vector<Tokens> split_commas(const Tokens& t, std::size_t from) {
  std::vector<Tokens> out(1);
  int depth = 0;
  for (std::size_t i = from; i < t.size(); ++i) {
    if (is_punct(t, i, "(")) ++depth;
    if (is_punct(t, i, ")")) --depth;
    if (depth == 0 && is_punct(t, i, ",")) {
      out.emplace_back();
      continue;
    }
    out.back().push_back(t[i]);
  }
  return out;
}

// Defaults a server evaluates per row: PostgreSQL rewrites the table, MariaDB/SQLite refuse the
// instant form. CURRENT_TIMESTAMP / now() are stable (one value per statement): not here.
bool volatile_default(const Tokens& t) {
  static const char* const kVolatile[] = {"RANDOM", "RAND", "CLOCK_TIMESTAMP", "TIMEOFDAY", "GEN_RANDOM_UUID",
                                          "UUID_GENERATE_V1", "UUID_GENERATE_V4", "UUID", "UUID_SHORT", "SYSDATE",
                                          "NEXTVAL", "SYS_GUID"};
  std::size_t d = find_top(t, "DEFAULT");
  bool serial = has_word(t, "SERIAL") || has_word(t, "BIGSERIAL") || has_word(t, "SMALLSERIAL");
  if (d == npos) return serial;
  for (std::size_t i = d + 1; i < t.size(); ++i)
    for (const char* v : kVolatile)
      if (is(t, i, v) && is_punct(t, i + 1, "(")) return true;
  return serial;
}

class StatementRules {
 public:
  StatementRules(const Tokens& t, RevisionContext& ctx, std::vector<Hit>& out) : t_(t), ctx_(ctx), out_(out) {}

  void run() {
    if (t_.empty()) return;
    if (is(t_, 0, "CREATE")) return create();
    if (is(t_, 0, "ALTER") && is(t_, 1, "TABLE")) return alter_table();
    if (is(t_, 0, "DROP") && is(t_, 1, "TABLE")) return drop_table();
    if (is(t_, 0, "TRUNCATE")) return truncate();
    if (is(t_, 0, "RENAME") && is(t_, 1, "TABLE")) return rename_tables();
    if (is(t_, 0, "UPDATE") || is(t_, 0, "DELETE")) return unbatched();
    if (is(t_, 0, "LOCK")) return lock();
    if (is(t_, 0, "SET")) return set();
  }

 private:
  bool server() const { return ctx_.dialect != DialectKind::sqlite; }
  void hit(Hit h) { out_.push_back(std::move(h)); }

  // Hand-written DDL on a table that exists: it queues behind any reader for as long as that
  // reader runs, and every later writer queues behind it (PostgreSQL, MariaDB metadata locks).
  void ddl(const std::string& table) {
    if (!server() || ctx_.lock_timeout_set || ctx_.unbounded_ddl_reported || ctx_.fresh(table)) return;
    ctx_.unbounded_ddl_reported = true;
    hit({"TM109", table,
         fmt::format("hand-written DDL on {} with no lock timeout set in this revision: it waits for the table "
                     "lock as long as any reader holds it, and writers queue behind it",
                     table),
         {Effect::blocks_writes}});
  }

  void create() {
    std::size_t i = skip_words(t_, 1, {"OR", "REPLACE", "TEMP", "TEMPORARY", "UNLOGGED", "GLOBAL", "LOCAL"});
    if (is(t_, i, "TABLE")) {
      i = skip_words(t_, i + 1, {"IF", "NOT", "EXISTS"});
      ctx_.created.insert(name_at(t_, i));
      return;
    }
    bool fulltext = is(t_, i, "FULLTEXT");
    i = skip_words(t_, i, {"UNIQUE", "FULLTEXT", "SPATIAL"});
    if (!is(t_, i, "INDEX")) return;
    std::size_t on = find_top(t_, "ON", i);
    if (on == npos) return;
    std::size_t at = skip_words(t_, on + 1, {"ONLY"});
    std::string table = name_at(t_, at);
    if (ctx_.fresh(table)) return;
    ddl(table);
    const bool concurrently = has_word(t_, "CONCURRENTLY");
    switch (ctx_.dialect) {
      case DialectKind::postgresql:
        if (!concurrently)
          hit({"TM101", table, fmt::format("CREATE INDEX on {} without CONCURRENTLY: writes wait for the whole build", table),
               {Effect::blocks_writes}, Work::index_build, Scale::time});
        return;
      case DialectKind::mariadb:
        if (fulltext)
          hit({"TM103", table, fmt::format("CREATE FULLTEXT INDEX on {}: writes wait for the whole build", table),
               {Effect::blocks_writes}, Work::fulltext_build, Scale::time});
        else if (!has_word(t_, "ALGORITHM") && !has_word(t_, "LOCK"))
          hit({"TM108", table, fmt::format("CREATE INDEX on {} without ALGORITHM/LOCK: the server picks", table),
               {Effect::blocks_writes}});
        return;
      case DialectKind::sqlite:
        hit({"TM101", table, fmt::format("CREATE INDEX on {}: SQLite holds the write lock for the build", table),
             {Effect::blocks_writes}, Work::index_build, Scale::time});
        return;
    }
  }

  void alter_table() {
    std::size_t i = skip_words(t_, 2, {"ONLY", "IF", "EXISTS", "ONLINE", "IGNORE"});
    std::string table = name_at(t_, i);
    if (ctx_.fresh(table)) {
      if (is(t_, i, "RENAME") && (is(t_, i + 1, "TO") || is(t_, i + 1, "AS"))) {
        std::size_t at = i + 2;
        ctx_.created.insert(name_at(t_, at));
      }
      return;
    }
    ddl(table);
    if (ctx_.dialect == DialectKind::mariadb && !has_word(t_, "ALGORITHM") && !has_word(t_, "LOCK"))
      hit({"TM108", table,
           fmt::format("ALTER TABLE {} without ALGORITHM/LOCK: MariaDB may silently copy the table while writes wait",
                       table),
           {Effect::blocks_writes}});
    for (const auto& action : split_commas(t_, i)) alter_action(table, action);
  }

  void alter_action(const std::string& table, const Tokens& a) {
    const auto pg = ctx_.dialect == DialectKind::postgresql;
    if (is(a, 0, "ADD")) {
      std::size_t k = 1;
      if (is(a, k, "CONSTRAINT")) k += 2;
      if (is(a, k, "FOREIGN") || is(a, k, "CHECK")) {
        if ((pg && !has_word(a, "VALID")) || ctx_.dialect == DialectKind::mariadb)
          hit({"TM104", table,
               fmt::format("ADD {} on {} checks every existing row while writes wait", a[k].text, table),
               {Effect::blocks_writes}, Work::validate_scan, Scale::time});
        return;
      }
      if (is(a, k, "PRIMARY") || is(a, k, "UNIQUE")) {
        if (pg && !has_word(a, "USING"))
          hit({"TM101", table, fmt::format("ADD {} on {} builds its index while writes wait", a[k].text, table),
               {Effect::blocks_writes}, Work::index_build, Scale::time});
        return;
      }
      if (is(a, k, "FULLTEXT")) {
        hit({"TM103", table, fmt::format("ADD FULLTEXT on {}: writes wait for the whole build", table),
             {Effect::blocks_writes}, Work::fulltext_build, Scale::time});
        return;
      }
      if (is(a, k, "INDEX") || is(a, k, "KEY") || is(a, k, "SPATIAL") || is(a, k, "PARTITION")) return;
      add_column(table, a);
      return;
    }
    if (is(a, 0, "ALTER")) {
      std::size_t k = is(a, 1, "COLUMN") ? 2 : 1;
      std::string column = name_at(a, k);
      if (is(a, k, "TYPE") || (is(a, k, "SET") && is(a, k + 1, "DATA")))
        hit({"TM107", table, fmt::format("ALTER COLUMN {}.{} TYPE rewrites every row while writes wait", table, column),
             {Effect::rewrites_table, Effect::blocks_writes, Effect::breaks_old_release}, Work::rewrite});
      else if (pg && is(a, k, "SET") && is(a, k + 1, "NOT"))
        hit({"TM104", table, fmt::format("SET NOT NULL on {}.{} scans every row while writes wait", table, column),
             {Effect::blocks_writes}, Work::validate_scan, Scale::time});
      return;
    }
    if (is(a, 0, "MODIFY") || is(a, 0, "CHANGE")) {
      std::size_t k = is(a, 1, "COLUMN") ? 2 : 1;
      std::string column = name_at(a, k);
      if (is(a, 0, "CHANGE")) {
        std::size_t n = k;
        std::string renamed = name_at(a, n);
        if (renamed != column)
          hit({"TM204", table, fmt::format("CHANGE COLUMN renames {}.{} to {}", table, column, renamed),
               {Effect::breaks_old_release}});
      }
      hit({"TM107", table,
           fmt::format("{} COLUMN {}.{} redefines the column: a type change copies the table while writes wait",
                       a[0].text, table, column),
           {Effect::rewrites_table, Effect::blocks_writes, Effect::breaks_old_release}, Work::rewrite});
      return;
    }
    if (is(a, 0, "DROP")) {
      static const char* const kNotColumn[] = {"CONSTRAINT", "INDEX", "KEY", "PRIMARY", "FOREIGN", "CHECK",
                                               "PARTITION", "DEFAULT", "TRIGGER"};
      for (const char* w : kNotColumn)
        if (is(a, 1, w)) return;
      std::size_t k = skip_words(a, is(a, 1, "COLUMN") ? 2 : 1, {"IF", "EXISTS"});
      hit({"TM202", table, fmt::format("DROP COLUMN {}.{} deletes the column's data", table, name_at(a, k)),
           {Effect::destroys_data, Effect::breaks_old_release}});
      return;
    }
    if (is(a, 0, "RENAME")) {
      if (is(a, 1, "TO") || is(a, 1, "AS")) {
        std::size_t k = 2;
        hit({"TM203", table, fmt::format("RENAME {} to {}", table, name_at(a, k)), {Effect::breaks_old_release}});
      } else if (!is(a, 1, "INDEX") && !is(a, 1, "KEY") && !is(a, 1, "CONSTRAINT")) {
        std::size_t k = is(a, 1, "COLUMN") ? 2 : 1;
        std::string from = name_at(a, k);
        hit({"TM204", table, fmt::format("RENAME COLUMN {}.{}", table, from), {Effect::breaks_old_release}});
      }
    }
  }

  void add_column(const std::string& table, const Tokens& a) {
    std::size_t k = skip_words(a, is(a, 1, "COLUMN") ? 2 : 1, {"IF", "NOT", "EXISTS"});
    std::string column = name_at(a, k);
    const bool generated = has_word(a, "GENERATED") || has_word(a, "AS");
    if (generated && (has_word(a, "STORED") || has_word(a, "PERSISTENT"))) {
      bool tsvector = has_word(a, "TO_TSVECTOR") || has_word(a, "TSVECTOR");
      hit({tsvector ? "TM103" : "TM102", table,
           fmt::format("ADD COLUMN {}.{} stored generated{}: the table is rewritten while writes wait", table, column,
                       tsvector ? " tsvector" : ""),
           {Effect::rewrites_table, Effect::blocks_writes}, tsvector ? Work::fulltext_build : Work::rewrite, Scale::time});
      return;
    }
    bool not_null = false;
    for (std::size_t n = find_top(a, "NOT"); n != npos; n = find_top(a, "NOT", n + 1)) not_null = not_null || is(a, n + 1, "NULL");
    if (not_null && find_top(a, "DEFAULT") == npos && !generated && !has_word(a, "AUTO_INCREMENT") &&
        !has_word(a, "IDENTITY") && !has_word(a, "SERIAL") && !has_word(a, "BIGSERIAL"))
      hit({"TM105", table, fmt::format("ADD COLUMN {}.{} NOT NULL without a default", table, column),
           {Effect::fails_on_rows, Effect::breaks_old_release}, Work::none, Scale::rows});
    if (volatile_default(a))
      hit({"TM106", table,
           fmt::format("ADD COLUMN {}.{} with a volatile default: every row gets its own value (a rewrite)", table,
                       column),
           {Effect::rewrites_table, Effect::blocks_writes}, Work::rewrite, Scale::time});
  }

  void drop_table() {
    std::size_t i = skip_words(t_, 2, {"IF", "EXISTS"});
    while (i < t_.size()) {
      std::string table = name_at(t_, i);
      if (table.empty()) break;
      if (!ctx_.fresh(table)) {
        ddl(table);
        hit({"TM201", table, fmt::format("DROP TABLE {} deletes every row", table),
             {Effect::destroys_data, Effect::breaks_old_release}});
      }
      if (!is_punct(t_, i, ",")) break;
      ++i;
    }
  }

  void truncate() {
    std::size_t i = skip_words(t_, 1, {"TABLE", "ONLY"});
    std::string table = name_at(t_, i);
    if (table.empty() || ctx_.fresh(table)) return;
    ddl(table);
    hit({"TM201", table, fmt::format("TRUNCATE {} deletes every row", table),
         {Effect::destroys_data, Effect::breaks_old_release}});
  }

  void rename_tables() {  // MariaDB: RENAME TABLE a TO b [, c TO d]
    std::size_t i = 2;
    while (i < t_.size()) {
      std::string from = name_at(t_, i);
      if (!is(t_, i, "TO")) break;
      ++i;
      std::string to = name_at(t_, i);
      if (ctx_.fresh(from)) {
        ctx_.created.insert(to);
      } else {
        ddl(from);
        hit({"TM203", from, fmt::format("RENAME TABLE {} TO {}", from, to), {Effect::breaks_old_release}});
      }
      if (!is_punct(t_, i, ",")) break;
      ++i;
    }
  }

  void unbatched() {
    const bool del = is(t_, 0, "DELETE");
    std::size_t i = skip_words(t_, 1, {"FROM", "ONLY", "LOW_PRIORITY", "QUICK", "IGNORE"});
    std::string table = name_at(t_, i);
    if (table.empty() || ctx_.fresh(table) || find_top(t_, "WHERE") != npos) return;
    std::vector<Effect> effects{Effect::blocks_writes};
    if (del) effects.push_back(Effect::destroys_data);
    hit({"TM110", table,
         fmt::format("{} on {} without WHERE touches every row in one transaction", del ? "DELETE" : "UPDATE", table),
         effects, Work::row_update, Scale::time});
  }

  void lock() {
    if (has_word(t_, "NOWAIT") || has_word(t_, "WAIT") || ctx_.lock_timeout_set) return;
    std::size_t i = skip_words(t_, 1, {"TABLE", "TABLES", "ONLY"});
    std::string table = name_at(t_, i);
    hit({"TM109", table, fmt::format("LOCK TABLE {} without NOWAIT or a lock timeout: waits without bound", table),
         {Effect::blocks_writes}});
  }

  void set() {
    std::size_t i = skip_words(t_, 1, {"SESSION", "LOCAL", "GLOBAL"});
    if (!is(t_, i, "LOCK_TIMEOUT") && !is(t_, i, "LOCK_WAIT_TIMEOUT") && !is(t_, i, "INNODB_LOCK_WAIT_TIMEOUT")) return;
    std::size_t v = i + 1;
    if (is(t_, v, "TO") || is_punct(t_, v, "=")) ++v;
    bool zero = v < t_.size() && t_[v].kind == Token::Kind::number && std::stod(t_[v].text) == 0.0;
    if (zero && ctx_.dialect == DialectKind::postgresql) {
      ctx_.lock_timeout_set = false;
      hit({"TM109", {}, "SET lock_timeout = 0 turns the lock wait bound off", {Effect::blocks_writes}});
      return;
    }
    ctx_.lock_timeout_set = true;
  }

  const Tokens& t_;
  RevisionContext& ctx_;
  std::vector<Hit>& out_;
};

}  // namespace

std::vector<Hit> sql_hits(const std::string& sql, RevisionContext& ctx) {
  std::vector<Hit> out;
  for (const auto& statement : split_statements(tokenize(sql, ctx.dialect == DialectKind::mariadb)))
    StatementRules(statement, ctx, out).run();
  return out;
}

}  // namespace tsm::lint
