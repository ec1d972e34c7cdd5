#include "core/recovery/undo.h"

#include <map>

#include <fmt/format.h>

#include "core/base/errors.h"

namespace tsm {

namespace {

// One case per operation, no catch-all: a new operation does not compile until it says here
// whether it has an exact inverse.
struct Inverse {
  std::optional<Operation> operator()(const CreateTable& o) const { return DropTable{o.table.name, o.table}; }
  std::optional<Operation> operator()(const AddColumn& o) const { return DropColumn{o.table, o.column.name}; }
  std::optional<Operation> operator()(const CreateIndex& o) const { return DropIndex{o.index.name, o.index.table}; }
  std::optional<Operation> operator()(const CreateFulltext& o) const { return DropFulltext{o.spec}; }
  std::optional<Operation> operator()(const RenameTable& o) const { return RenameTable{o.to, o.from}; }
  // Drops lose data or definitions; alters and foreign keys/checks need the state before them;
  // raw SQL and data have no known inverse.
  std::optional<Operation> operator()(const DropTable&) const { return std::nullopt; }
  std::optional<Operation> operator()(const DropColumn&) const { return std::nullopt; }
  std::optional<Operation> operator()(const AlterColumn&) const { return std::nullopt; }
  std::optional<Operation> operator()(const DropIndex&) const { return std::nullopt; }
  std::optional<Operation> operator()(const DropFulltext&) const { return std::nullopt; }
  std::optional<Operation> operator()(const AddForeignKey&) const { return std::nullopt; }
  std::optional<Operation> operator()(const AddCheck&) const { return std::nullopt; }
  std::optional<Operation> operator()(const Execute&) const { return std::nullopt; }
  std::optional<Operation> operator()(const BulkInsert&) const { return std::nullopt; }
  std::optional<Operation> operator()(const Backfill&) const { return std::nullopt; }  // old values are gone
};

}  // namespace

std::optional<Operation> inverse_of(const Operation& op) { return std::visit(Inverse{}, op); }

std::vector<UndoItem> plan_undo(const std::string& revision, const std::vector<RenderedOp>& ops,
                                const std::vector<ProgressEntry>& ran) {
  std::map<int, size_t> ran_per_op;
  for (const auto& e : ran) ++ran_per_op[e.operation];
  std::vector<UndoItem> out;
  for (auto it = ran_per_op.rbegin(); it != ran_per_op.rend(); ++it) {
    const int index = it->first;
    if (index < 0 || static_cast<size_t>(index) >= ops.size())
      throw AttentionError(fmt::format("cannot undo the incomplete upgrade of {}: its progress record names "
                                       "operation {} it does not have", revision, index));
    const RenderedOp& r = ops[static_cast<size_t>(index)];
    auto inverse = inverse_of(r.op);
    // A partly run CREATE TABLE (table made, an index not) is still undone by dropping the table.
    bool whole = it->second == r.statements.size() || std::holds_alternative<CreateTable>(r.op);
    if (!inverse || !whole)
      throw AttentionError(
          fmt::format("cannot undo the incomplete upgrade of {}: '{}' ran ({} of {} statement(s)) and has no exact "
                      "inverse",
                      revision, describe(r.op), it->second, r.statements.size()),
          "  undo it by hand, then clear the revision's rows from turnstone_migrate_progress; or fix the cause "
          "and run `upgrade` to resume it");
    out.push_back({index, *inverse});
  }
  return out;
}

}  // namespace tsm
