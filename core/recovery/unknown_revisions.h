#pragma once
// Placing version rows this build does not know (a deploy rollback: an older binary meets a
// database a newer release upgraded). The revision store holds their edges; if every unknown
// revision descends from revisions this build knows, the database is only "ahead".
#include <map>
#include <string>
#include <vector>

#include "core/graph/revision_graph.h"
#include "core/recovery/revision_store.h"

namespace tsm {

struct Placement {
  std::string tree;
  std::vector<std::string> known_rows;  // rows to plan with: known rows + known revisions under unknown ones
  std::vector<StoredRevision> unknown;  // every applied revision this build does not know, newest first
  // Known revisions each unknown revision descends from (transitively, through stored edges).
  std::map<std::string, std::vector<std::string>> known_below;
  bool ahead() const { return !unknown.empty(); }
  std::vector<std::string> unknown_ids() const;
};

// Throws AttentionError (exit 5) naming the revisions when one is missing from the store or
// does not descend from a revision this build knows (an unknown branch).
Placement place_rows(const RevisionGraph& graph, const std::string& tree, const std::vector<std::string>& rows,
                     const std::map<std::string, StoredRevision>& store);

}  // namespace tsm
