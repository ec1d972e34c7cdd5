#pragma once
// Where compiled revision units register themselves at static-initialisation time.
//
//   TSM_REVISION("3c1f0a9e2b7d", "add incidents")
//       .after("9a0b1c2d3e4f")
//       .up([](tsm::Ops& op) { ... })
//       .down([](tsm::Ops& op) { ... });
//
// versions/ is built as an OBJECT library so the linker keeps every unit.
#include <initializer_list>
#include <string>
#include <vector>

#include "core/graph/revision.h"

namespace tsm {

class RevisionBuilder {
 public:
  RevisionBuilder(std::string id, std::string message, const char* file);
  RevisionBuilder& after(std::string parent);  // repeat for a merge
  RevisionBuilder& after(std::initializer_list<std::string> parents);
  RevisionBuilder& is_base() { return *this; }  // documents intent: no parents
  RevisionBuilder& tree(std::string name);
  RevisionBuilder& branch_label(std::string label);
  RevisionBuilder& depends_on(std::string rev);
  RevisionBuilder& up(MigrationFn fn);
  RevisionBuilder& down(MigrationFn fn);
  // A justified waiver for one lint rule (see LintWaiver); aborts at start-up on a malformed one.
  RevisionBuilder& lint_waiver(std::string rule, std::string reason);
  const Revision& revision() const { return rev_; }

 private:
  Revision rev_;
};

// Constructing one adds the built revision to the compiled registry.
struct Registration {
  Registration(const RevisionBuilder& builder);  // NOLINT: implicit on purpose, see TSM_REVISION
};

// Every compiled unit, in registration order (unspecified across files).
const std::vector<Revision>& compiled_revisions();
void register_revision(Revision rev);

#define TSM_CONCAT_INNER(a, b) a##b
#define TSM_CONCAT(a, b) TSM_CONCAT_INNER(a, b)
#define TSM_REVISION(id, message) \
  static const ::tsm::Registration TSM_CONCAT(tsm_revision_, __LINE__) = ::tsm::RevisionBuilder(id, message, __FILE__)

}  // namespace tsm
