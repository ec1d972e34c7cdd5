#include "core/run/online_forms.h"

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

}  // namespace

bool rerunnable_in_pieces(const std::vector<Operation>& ops) {
  for (const auto& op : ops)
    if (!std::visit(RunsTwice{}, op)) return false;
  return true;
}

void settle_online_forms(const std::vector<Operation>& ops, std::vector<Statement>& statements,
                         bool single_transaction, const std::set<std::string>& created_earlier) {
  std::set<std::string> created = created_earlier;
  for (const auto& op : ops)
    if (auto* ct = std::get_if<CreateTable>(&op)) created.insert(ct->table.name);
  const bool all_plain = single_transaction || !rerunnable_in_pieces(ops);
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
