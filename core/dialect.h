#pragma once
// The seam between core and dialects/. Core plans and records; a Dialect renders operations to
// SQL (pure, no connection — also used by --sql --dialect), a Connection runs it. Implementations
// live in dialects/<name>/ and register a Backend; core never includes a backend header.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/model/naming.h"
#include "core/model/ops.h"
#include "core/model/schema.h"
#include "core/base/errors.h"
#include "core/base/url.h"

namespace tsm {

using Row = std::vector<std::optional<std::string>>;  // one query result row; NULL = nullopt

// A data change the runner loops over in key ranges (Backfill); see core/run/backfill.h.
struct BatchedUpdate {
  std::string table;
  std::string bounds_sql;    // one row: min(key), max(key) of the rows it may touch
  std::string batch_sql;     // the UPDATE for one range; two `?`: low and high key, inclusive
  std::string progress_key;  // identifies this backfill in turnstone_migrate_backfill; empty: a
                             // rerun starts over (the batches are idempotent) and nothing is recorded
  BackfillOptions options;
  // true: rows inserted while it runs are covered too, up to the new maximum key. false: another
  // mechanism covers them (MariaDB full-text sync triggers), one pass over the rows at the start.
  bool follow_new_rows = true;
};

struct Statement {
  // Where a statement that cannot run inside a transaction goes.
  enum class Edge {
    none,    // alone, between two transactions (PostgreSQL `CREATE INDEX CONCURRENTLY`)
    before,  // a connection setting for what follows: before the revision's BEGIN
    after,   // its counterpart: after the revision's COMMIT
  };
  std::string sql;
  // false: must run outside any transaction (SQLite `PRAGMA foreign_keys`, PostgreSQL
  // `CREATE INDEX CONCURRENTLY`); `edge` says where.
  bool in_transaction = true;
  Edge edge = Edge::none;
  // Online statements that run outside a transaction (PostgreSQL CONCURRENTLY, VALIDATE): the
  // plain form to run instead where they cannot go online — inside --single-transaction, or on a
  // table created earlier in the same revision (empty and invisible to others: the plain form
  // blocks nobody and keeps the revision one transaction). `table`: the table it works on.
  std::optional<std::string> plain_form{};
  std::string table{};
  // Set: run `batched` in key ranges instead of `sql` (the same change as one statement, which
  // --sql prints and a single transaction runs).
  std::optional<BatchedUpdate> batched{};
  // Running it again after an interrupted run is safe (IF [NOT] EXISTS, upserts): a statement
  // left in doubt by a kill is simply run again instead of judged by the live schema.
  bool rerunnable = false;
  // Only needed while other sessions write (a catch-up over rows changed during the build):
  // `copy`, which owns its target, skips it.
  bool catch_up = false;
};

// The statements one operation renders to, kept with the operation: resuming or undoing an
// incomplete revision needs to know which operation each statement belongs to.
struct RenderedOp {
  Operation op;
  std::vector<Statement> statements;
};

class Dialect {
 public:
  virtual ~Dialect() = default;
  virtual DialectKind kind() const = 0;
  virtual bool transactional_ddl() const = 0;  // SQLite, PostgreSQL: yes; MariaDB: no
  virtual std::size_t max_identifier_length() const = 0;
  // Quotes an identifier; UsageError when empty or longer than the dialect allows.
  virtual std::string quote(const std::string& identifier) const = 0;
  virtual std::string literal(const std::string& text) const = 0;  // a quoted string literal
  virtual std::string literal(const Value& value) const = 0;
  virtual std::string native_type(const ColumnType& type) const = 0;
  // `before` is the schema just before `op` (replayed from the revisions so far); SQLite rebuilds
  // and MariaDB MODIFY COLUMN need the full column definition from it. Throws UsageError for
  // what cannot be rendered (too-long name, Execute without SQL for this dialect).
  virtual std::vector<Statement> render(const Operation& op, const Schema& before) const = 0;

  // Version-table and bookkeeping SQL (also printed by --sql).
  virtual std::string create_version_table(const std::string& table) const = 0;  // IF NOT EXISTS
  std::string insert_version(const std::string& table, const std::string& rev) const;
  std::string delete_version(const std::string& table, const std::string& rev) const;
  std::string update_version(const std::string& table, const std::string& from, const std::string& to) const;
  // A Backfill's statement, shared by the renderers (they differ in the CAST target for a bound
  // key: BIGINT, SIGNED on MariaDB). `online`: it runs between the step's transactions, batch by
  // batch (PostgreSQL, SQLite); MariaDB commits every statement anyway.
  Statement backfill_statement(const Backfill& op, const std::string& int_type, bool online) const;
  virtual std::string begin_sql() const { return "BEGIN;"; }
  virtual std::string commit_sql() const { return "COMMIT;"; }

  // The expected schema in this dialect's normalized terms, for comparison with introspect().
  virtual SchemaDescription describe(const Schema& expected) const = 0;

  // ---- `copy` ----
  // A value as this dialect's Connection::query returns it, in the portable canonical text that
  // every dialect agrees on (so checksums compare across backends and a BulkWriter of any
  // dialect can load it): integers in decimal; booleans "0"/"1"; real/double the shortest text
  // that round-trips the 8-byte value; timestamps "YYYY-MM-DD HH:MM:SS.ffffff" in UTC; dates
  // "YYYY-MM-DD"; text and string unchanged (bytes); blobs lowercase hex; json compact with
  // sorted keys. NULL stays nullopt. Throws UsageError naming the value when it cannot be
  // read as its type (e.g. invalid JSON).
  // The base handles the types whose text is the same everywhere (integers, text, string, date)
  // and refuses the others: each dialect overrides it for its own output formats.
  virtual std::optional<std::string> canonical(const ColumnType& type, const std::optional<std::string>& raw) const;
  // Statements that make the next generated value of `table`.`column` (an autoincrement
  // identity) greater than the highest value now in the table, run by `copy` after loading rows
  // with explicit ids. Empty where the backend moves past explicit ids by itself.
  // TODO(dialects): PostgreSQL `SELECT setval(pg_get_serial_sequence(...), max)`; SQLite and
  // MariaDB/InnoDB follow explicit ids already (return {} after checking). The base refuses.
  virtual std::vector<std::string> reset_identity_sql(const std::string& table, const std::string& column) const;

  // ---- session setup (`-- +session` sections of SQL units, docs/sql-units.md) ----
  // The session variables `statement` sets, or nullopt when it does anything else (such a
  // statement is refused before any SQL runs). The base refuses everything.
  virtual std::optional<std::vector<std::string>> session_variables(const std::string& statement) const;
  // Keeping a variable's value before the session statements and putting it back after the
  // revision: server-side where the server can hold it, the same SQL online and in --sql
  // (`slot` numbers the variables of one revision). nullopt where it cannot (SQLite): the tool
  // then reads the value with read_session_variable_sql and writes it back with
  // restore_session_variable_sql.
  struct SessionSave {
    std::string save;
    std::string restore;
  };
  virtual std::optional<SessionSave> save_session_variable(const std::string& name, int slot) const;
  virtual std::string read_session_variable_sql(const std::string& name) const;
  // `value` nullopt: the value this tool's own connections start with (for --sql scripts);
  // empty result: no such value is known, nothing to write back.
  virtual std::string restore_session_variable_sql(const std::string& name,
                                                   const std::optional<std::string>& value) const;
  // Rows returned by this query before a revision that turned foreign-key enforcement off
  // commits are violations (SQLite: PRAGMA foreign_key_check, as its 12-step rebuild does).
  // Empty: the dialect has no such check.
  virtual std::string foreign_key_check_sql() const { return {}; }
  // The variable whose change makes foreign_key_check_sql necessary.
  virtual std::string foreign_keys_variable() const { return {}; }
};

// Streams rows of one table into the server by the fastest path the backend has (PostgreSQL
// COPY, MariaDB LOAD DATA LOCAL INFILE, SQLite prepared INSERTs), inside the caller's
// transaction. Values are canonical text (Dialect::canonical); the writer converts each to its
// column's native input. Memory stays bounded: rows are sent in chunks as they come.
struct BulkColumn {
  std::string name;
  ColumnType type;
};
class BulkWriter {
 public:
  virtual ~BulkWriter() = default;
  virtual void write(const Row& row) = 0;  // one value per column, in the writer's column order
  // Sends what is buffered; afterwards every written row is in the table (not yet committed).
  virtual void finish() = 0;
};

// Held while a write command runs; released on destruction (and by the server on crash).
class Lock {
 public:
  virtual ~Lock() = default;
};

struct ConnectOptions {
  bool create_if_missing = false;  // read commands never create a SQLite file
  std::chrono::seconds connect_timeout{10};
  std::optional<std::chrono::seconds> statement_timeout;
  std::optional<std::chrono::seconds> lock_timeout;  // server-side lock_timeout (PostgreSQL)
};

// How big a table is, as far as the server knows (for `lint`'s blocking-time estimates).
struct TableSize {
  std::optional<std::int64_t> rows;   // exact when `exact`, else the server's estimate
  std::optional<std::int64_t> bytes;  // data + indexes, when the server says
  bool exact = false;                 // rows from count(*) rather than statistics
};

class Connection {
 public:
  virtual ~Connection() = default;
  virtual const Dialect& dialect() const = 0;
  // Runs one statement; throws StatementError(message, sql) on failure.
  virtual void execute(const std::string& sql) = 0;
  // Runs a query with `?` placeholders bound to params (never interpolated). NULL → nullopt.
  virtual std::vector<Row> query(const std::string& sql, const std::vector<std::string>& params = {}) = 0;
  virtual void begin() = 0;
  virtual void commit() = 0;
  virtual void rollback() = 0;  // never throws
  virtual bool table_exists(const std::string& table) = 0;
  // Live schema in normalized terms; tables named in `ignore` (version/bookkeeping) left out.
  virtual SchemaDescription introspect(const std::vector<std::string>& ignore) = 0;
  // Exclusive per-tree lock for write commands. LockTimeoutError after `timeout`; `waiting`
  // is called once (with who holds it, when known) if the lock is not free at once.
  virtual std::unique_ptr<Lock> acquire_lock(const std::string& tree, std::chrono::seconds timeout,
                                              const std::function<void(const std::string&)>& waiting) = 0;
  // Sizes of those of `tables` that exist (absent ones are left out). Read-only. The base
  // version knows nothing (empty map); dialects override it in dialects/<name>/<name>_sizes.cpp.
  virtual std::map<std::string, TableSize> table_sizes(const std::vector<std::string>& tables);

  // ---- `copy` ----
  // Opens a read-only transaction over one consistent snapshot (SQLite: a read transaction;
  // PostgreSQL: REPEATABLE READ READ ONLY; MariaDB: START TRANSACTION WITH CONSISTENT SNAPSHOT,
  // READ ONLY), so a source still being written is read as of one instant. End it with commit().
  virtual void begin_snapshot() { begin(); }
  // A writer for `table`'s `columns`; the default sends multi-row INSERTs with bound parameters
  // (canonical text; servers cast). Dialects override it with their bulk path.
  virtual std::unique_ptr<BulkWriter> bulk_writer(const std::string& table, const std::vector<BulkColumn>& columns);
  // The most bytes one transaction may write, when the server limits it (MariaDB Galera's
  // wsrep_max_ws_size): bulk steps commit in pieces well below it. nullopt: no limit.
  virtual std::optional<std::size_t> max_write_set_bytes() { return std::nullopt; }
  // The error is a cluster refusing a transaction as too large (Galera's wsrep_max_ws_size).
  virtual bool write_set_too_large(const StatementError&) const { return false; }


  // Bounded lock waits (docs/online.md). Defaults: a backend without table-lock queues (SQLite).
  // How long one statement may wait for a table lock before it gives up (and core retries it).
  // `budget`: the whole wait allowed; statements that wait without blocking anyone (PostgreSQL
  // CONCURRENTLY, VALIDATE CONSTRAINT) may wait that long in one attempt.
  virtual void set_ddl_lock_wait(std::chrono::milliseconds /*wait*/, std::chrono::milliseconds /*budget*/) {}
  // Whether `e` was a statement giving up its wait for a lock (the statement did not run).
  virtual bool lock_wait_expired(const StatementError&) const { return false; }
  // Sessions holding table locks in this database, one line each (pid, user, application, state,
  // since, first 100 characters of the query), longest-running first.
  virtual std::vector<std::string> lock_blockers() { return {}; }
  // Around a statement retried inside an open transaction (a savepoint on PostgreSQL).
  virtual void retry_mark() {}
  virtual void retry_rewind() {}

  // ---- recovery (core/recovery/schema_fingerprint) ----
  // The server's own definition of one table or view as it stands: text that a DDL statement on
  // it changes and writing rows does not; "" when there is no such object. `name`: {name} or
  // {schema, name}. nullopt: this backend cannot say cheaply (the caller then fingerprints the
  // whole schema instead).
  virtual std::optional<std::string> object_definition(const std::vector<std::string>& /*name*/) {
    return std::nullopt;
  }
  // Whether another session is still running exactly `sql` on this database: a MariaDB server
  // runs a killed client's statement on to its end, and whether it took effect can be told only
  // once it has ended. Default: false (a dead client's statement is rolled back there).
  virtual bool still_running(const std::string& /*sql*/) { return false; }
};

struct Backend {
  DialectKind kind;
  std::function<const Dialect&()> dialect;
  // Throws ConnectError (exit 3) with a classified one-line message and never the password.
  std::function<std::unique_ptr<Connection>(const DatabaseUrl&, const ConnectOptions&)> connect;
};

void register_backend(Backend backend);
// UsageError-free: ConnectError with "no executor for <dialect> in this build" when missing.
const Backend& backend_for(DialectKind kind);
const Dialect& dialect_for(DialectKind kind);

// Helper for dialect registration in a .cpp of dialects/:
//   static const tsm::BackendRegistration reg{tsm::Backend{...}};
struct BackendRegistration {
  explicit BackendRegistration(Backend b) { register_backend(std::move(b)); }
};

}  // namespace tsm
