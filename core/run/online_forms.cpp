#include "core/run/online_forms.h"

#include <optional>
#include <set>
#include <string>

namespace tsm {
namespace {

// One case per operation, no catch-all: a new operation says whether it can run twice.
struct RunsTwice {
  bool operator()(const CreateTable&) const { return false; }
  bool operator()(const DropTable&) const { return false; }
  bool operator()(const AddColumn&) const { return true; }   // ADD COLUMN IF NOT EXISTS
  bool operator()(const DropColumn&) const { return true; }  // DROP COLUMN IF EXISTS
  bool operator()(const AlterColumn& o) const { return !o.new_name && !o.type; }  // NULL/default: idempotent
  bool operator()(const RenameTable&) const { return false; }
  bool operator()(const CreateIndex&) const { return true; }  // DROP … IF EXISTS, then CREATE
  bool operator()(const DropIndex&) const { return true; }
  bool operator()(const CreateFulltext&) const { return true; }
  bool operator()(const DropFulltext&) const { return true; }
  bool operator()(const AddForeignKey&) const { return true; }  // DROP CONSTRAINT IF EXISTS, ADD NOT VALID
  bool operator()(const AddCheck&) const { return true; }
  bool operator()(const Execute&) const { return false; }
  bool operator()(const BulkInsert&) const { return false; }
  bool operator()(const Backfill&) const { return true; }  // resumes from turnstone_migrate_backfill
};

// The tables an operation takes locks on; nullopt where the step stays with its own rules (table
// DDL, raw SQL and seed rows make it one transaction anyway; a backfill keeps its batches, which
// bound how long it holds rows).
struct TablesTouched {
  using Out = std::optional<std::vector<std::string>>;
  Out operator()(const CreateTable&) const { return std::nullopt; }
  Out operator()(const DropTable&) const { return std::nullopt; }
  Out operator()(const AddColumn& o) const { return Out{{o.table}}; }
  Out operator()(const DropColumn& o) const { return Out{{o.table}}; }
  Out operator()(const AlterColumn& o) const { return Out{{o.table}}; }
  Out operator()(const RenameTable&) const { return std::nullopt; }
  Out operator()(const CreateIndex& o) const { return Out{{o.index.table}}; }
  Out operator()(const DropIndex& o) const { return Out{{o.table}}; }
  Out operator()(const CreateFulltext& o) const { return Out{{o.spec.table}}; }
  Out operator()(const DropFulltext& o) const { return Out{{o.spec.table}}; }
  Out operator()(const AddForeignKey& o) const { return Out{{o.table, o.fk.ref_table}}; }
  Out operator()(const AddCheck& o) const { return Out{{o.table}}; }
  Out operator()(const Execute&) const { return std::nullopt; }
  Out operator()(const BulkInsert&) const { return std::nullopt; }
  Out operator()(const Backfill&) const { return std::nullopt; }
};

// Every operation of the step works only on tables of `new_tables`. A step that also touches an
// older table keeps the online forms: built plainly, an index on a new table would run inside the
// transaction that holds the older table's lock.
bool only_new_tables(const std::vector<Operation>& ops, const std::set<std::string>& new_tables) {
  if (new_tables.empty() || ops.empty()) return false;
  for (const auto& op : ops) {
    auto tables = std::visit(TablesTouched{}, op);
    if (!tables) return false;
    for (const auto& t : *tables)
      if (!new_tables.count(t)) return false;
  }
  return true;
}

}  // namespace

bool rerunnable_in_pieces(const std::vector<Operation>& ops) {
  for (const auto& op : ops)
    if (!std::visit(RunsTwice{}, op)) return false;
  return true;
}

void settle_online_forms(const std::vector<Operation>& ops, std::vector<Statement>& statements,
                         bool single_transaction, const std::set<std::string>& created_earlier) {
  std::set<std::string> created;
  for (const auto& op : ops)
    if (auto* ct = std::get_if<CreateTable>(&op)) created.insert(ct->table.name);
  const bool all_plain =
      single_transaction || !rerunnable_in_pieces(ops) || only_new_tables(ops, created_earlier);
  for (auto& st : statements) {
    if (!st.plain_form || (!all_plain && !created.count(st.table))) continue;
    st.sql = *st.plain_form;
    st.in_transaction = true;
    st.plain_form.reset();
    st.batched.reset();
  }
}

void NewTables::after_step(const std::vector<Operation>& ops) {
  for (const auto& op : ops) {
    if (auto* ct = std::get_if<CreateTable>(&op)) names_.insert(ct->table.name);
    if (auto* dt = std::get_if<DropTable>(&op)) names_.erase(dt->name);
    if (auto* rt = std::get_if<RenameTable>(&op)) {
      names_.erase(rt->from);
      names_.erase(rt->to);
    }
  }
}

}  // namespace tsm
