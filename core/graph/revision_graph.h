#pragma once
// The pure revision graph: validation and ancestry queries. No database code.
// One RevisionGraph holds every tree; each revision belongs to exactly one.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/graph/revision.h"

namespace tsm {

class RevisionGraph {
 public:
  // Validates and throws UsageError naming the revision's origin on: invalid id or tree name,
  // duplicate id, unknown parent or dependency, parent/dependency in another tree, cycle,
  // duplicate branch label.
  explicit RevisionGraph(std::vector<Revision> revisions);

  std::vector<std::string> trees() const;  // sorted; "main" first when present
  bool has_tree(const std::string& tree) const;
  const Revision* find(const std::string& id) const;  // exact id
  const Revision& get(const std::string& id) const;   // exact id, UsageError when unknown
  // Full id or unique prefix of >= 4 chars. UsageError: unknown, or ambiguous (lists candidates).
  const Revision& resolve_id(const std::string& id_or_prefix) const;
  // Revision carrying a branch label (UsageError when unknown).
  const Revision& by_label(const std::string& label) const;
  bool is_label(const std::string& label) const;

  // Queries per tree. Order is deterministic: topological, ties broken by id.
  std::vector<std::string> heads(const std::string& tree) const;
  std::vector<std::string> bases(const std::string& tree) const;
  std::vector<std::string> branch_points(const std::string& tree) const;  // ≥2 children
  std::vector<std::string> children(const std::string& id) const;          // by down_revisions only
  // Ancestors/descendants follow down_revisions AND depends_on edges (Alembic), inclusive of `id`.
  std::set<std::string> ancestors(const std::string& id) const;
  std::set<std::string> descendants(const std::string& id) const;
  // Every revision of the tree, oldest first (parents and dependencies before children).
  std::vector<const Revision*> topological(const std::string& tree) const;
  // Revisions whose down_revisions + depends_on minus those implied by the others (Alembic's
  // "normalized down revisions"), used for version-table bookkeeping.
  std::vector<std::string> normalized_parents(const std::string& id) const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

}  // namespace tsm
