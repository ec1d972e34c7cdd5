// fuzz_sql_unit: parse_sql_unit on arbitrary text (the unit's headers, sections, statement
// blocks, and the per-dialect lexer behind them), then the revision's recorded operations.
//
// Invariants: a refused unit is a UsageError "<path>:<line>: …" with a line of the file (line 1
// for an empty one); a parsed unit has an id, its origin is "<path>:<line>", and every operation is
// an Execute whose SQL for a dialect, where it has any, is not empty.
#include <string>
#include <variant>
#include <vector>

#include "core/base/errors.h"
#include "core/graph/sql_unit.h"
#include "tests/fuzz/harness.h"

namespace tsm::fuzz {
namespace {

const std::string kPath = "units/0042_fuzz.sql";

// "<path>:<n>: " at the start of `message` with 1 <= n <= last_line.
bool names_a_line(const std::string& message, int last_line, char after) {
  if (message.compare(0, kPath.size() + 1, kPath + ":") != 0) return false;
  std::size_t i = kPath.size() + 1;
  long n = 0;
  std::size_t digits = 0;
  for (; i < message.size() && message[i] >= '0' && message[i] <= '9' && digits < 10; ++i, ++digits)
    n = n * 10 + (message[i] - '0');
  return digits > 0 && n >= 1 && n <= last_line && i < message.size() && message[i] == after;
}

void check_execute(const Execute& e, const char* what) {
  for (DialectKind d : {DialectKind::sqlite, DialectKind::postgresql, DialectKind::mariadb}) {
    const auto sql = e.for_dialect(d);
    TSM_FUZZ_CHECK(!sql || !sql->empty(), std::string(what) + ": empty statement for " + dialect_name(d));
  }
}

void check_operations(const std::vector<Operation>& ops, const char* what) {
  for (const Operation& op : ops) {
    const Execute* e = std::get_if<Execute>(&op);
    TSM_FUZZ_CHECK(e != nullptr, std::string(what) + ": an operation that is no Execute");
    check_execute(*e, what);
  }
}

}  // namespace

int fuzz_sql_unit(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  int last_line = 1;
  for (char c : text)
    if (c == '\n') ++last_line;

  Revision rev;
  try {
    rev = parse_sql_unit(text, kPath);
  } catch (const UsageError& e) {
    TSM_FUZZ_CHECK(names_a_line(e.what(), last_line, ':'), e.what());
    return 0;
  }
  TSM_FUZZ_CHECK(!rev.id.empty(), "a unit without an id");
  TSM_FUZZ_CHECK(names_a_line(rev.origin + "\n", last_line, '\n'), "origin " + rev.origin);
  check_operations(rev.upgrade_ops(), "upgrade");
  check_operations(rev.downgrade_ops(), "downgrade");
  for (const Execute& e : rev.session) check_execute(e, "session");
  return 0;
}

}  // namespace tsm::fuzz
