#include "core/undo.h"

#include <map>

#include <fmt/format.h>

#include "core/errors.h"

namespace tsm {

std::optional<Operation> inverse_of(const Operation& op) {
  if (auto* o = std::get_if<CreateTable>(&op)) return DropTable{o->table.name, o->table};
  if (auto* o = std::get_if<AddColumn>(&op)) return DropColumn{o->table, o->column.name};
  if (auto* o = std::get_if<CreateIndex>(&op)) return DropIndex{o->index.name, o->index.table};
  if (auto* o = std::get_if<CreateFulltext>(&op)) return DropFulltext{o->spec};
  if (auto* o = std::get_if<RenameTable>(&op)) return RenameTable{o->to, o->from};
  return std::nullopt;
}

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
