#include "core/recovery/in_doubt.h"

#include "core/recovery/live_objects.h"

namespace tsm {
namespace {

// One case per operation, no catch-all: a new operation does not compile until it says here
// whether the live schema can tell that its statement ran. nullopt: it cannot.
struct TookEffect {
  Connection& conn;
  bool first_statement_of_op;
  std::size_t statements_of_op;

  // CREATE TABLE comes first in its operation; the statements after it (indexes) are not judged here.
  std::optional<bool> operator()(const CreateTable& o) const {
    if (!first_statement_of_op) return std::nullopt;
    return conn.table_exists(o.table.name);
  }
  std::optional<bool> operator()(const DropTable& o) const { return single([&] { return !conn.table_exists(o.name); }); }
  std::optional<bool> operator()(const RenameTable& o) const {
    return single([&] { return conn.table_exists(o.to) && !conn.table_exists(o.from); });
  }
  std::optional<bool> operator()(const AddColumn& o) const {
    return single([&] { return has_column(conn, o.table, o.column.name); });
  }
  std::optional<bool> operator()(const DropColumn& o) const { return single([&] { return !has_column(conn, o.table, o.name); }); }
  std::optional<bool> operator()(const CreateIndex& o) const {
    return single([&] { return has_index(conn, o.index.table, o.index.name); });
  }
  std::optional<bool> operator()(const DropIndex& o) const { return single([&] { return !has_index(conn, o.table, o.name); }); }
  // Several objects per operation, or effects the normalized schema does not show exactly.
  std::optional<bool> operator()(const AlterColumn&) const { return std::nullopt; }
  // One statement only where the dialect builds full text with a single index (PostgreSQL without
  // trigram); MariaDB's side-table statements are rerunnable and are sent again instead.
  std::optional<bool> operator()(const CreateFulltext& o) const {
    return single([&] { return has_fulltext(conn, o.spec.table); });
  }
  std::optional<bool> operator()(const DropFulltext& o) const {
    return single([&] { return !has_fulltext(conn, o.spec.table); });
  }
  std::optional<bool> operator()(const AddForeignKey&) const { return std::nullopt; }
  std::optional<bool> operator()(const AddCheck&) const { return std::nullopt; }
  // Raw SQL is judged by the schema fingerprint taken before it; data commits with its record.
  std::optional<bool> operator()(const Execute&) const { return std::nullopt; }
  std::optional<bool> operator()(const BulkInsert&) const { return std::nullopt; }
  // Interrupted between batches: run it again; it resumes after its last committed batch.
  std::optional<bool> operator()(const Backfill&) const { return false; }

 private:
  template <typename Check>
  std::optional<bool> single(Check check) const {
    if (statements_of_op != 1) return std::nullopt;
    return check();
  }
};

}  // namespace

std::optional<bool> took_effect(Connection& conn, const Operation& op, bool first_statement_of_op,
                                std::size_t statements_of_op) {
  return std::visit(TookEffect{conn, first_statement_of_op, statements_of_op}, op);
}

}  // namespace tsm
