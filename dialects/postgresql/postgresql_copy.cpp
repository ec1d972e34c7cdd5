// PostgreSQL's text output: booleans t/f, timestamptz "… +00" (the session runs in UTC),
// float8 shortest (extra_float_digits = 1, the default since 12), jsonb re-serialized with its
// own spacing and key order, bytea as "\x…" (bytea_output = hex) or the escape format.
#include <fmt/format.h>

#include "core/base/canonical.h"
#include "core/base/errors.h"
#include "dialects/postgresql/postgresql_dialect.h"

namespace tsm::postgresql {
namespace {

// bytea text output → bytes. Hex ("\x0a0b") or escape ("a\\b\012") format.
std::string bytea_bytes(const std::string& text) {
  if (text.rfind("\\x", 0) == 0) return canonical::unhex(std::string_view(text).substr(2));
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
    } else if (i + 1 < text.size() && text[i + 1] == '\\') {
      out += '\\';
      ++i;
    } else if (i + 3 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '3' && text[i + 2] >= '0' &&
               text[i + 2] <= '7' && text[i + 3] >= '0' && text[i + 3] <= '7') {
      out += static_cast<char>((text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 + (text[i + 3] - '0'));
      i += 3;
    } else {
      throw UsageError("'" + text.substr(0, 60) + "' is not a valid bytea value");
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> PostgresDialect::canonical(const ColumnType& type, const std::optional<std::string>& raw) const {
  if (!raw) return raw;
  if (type.kind == TypeKind::blob) return canonical::hex(bytea_bytes(*raw));
  return canonical::value(type.kind, *raw);
}

// An identity's sequence does not see explicit ids: move it to the highest copied id (the next
// value is max + 1), or back to 1 for an empty table.
std::vector<std::string> PostgresDialect::reset_identity_sql(const std::string& table, const std::string& column) const {
  const std::string max = fmt::format("(SELECT MAX({}) FROM {})", quote(column), quote(table));
  return {fmt::format("SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence({}, {}), COALESCE({}, 1), {} IS NOT NULL)",
                      literal(quote(table)), literal(column), max, max)};
}

}  // namespace tsm::postgresql
