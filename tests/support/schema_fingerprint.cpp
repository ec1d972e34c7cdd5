#include "tests/support/schema_fingerprint.h"

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <vector>

namespace tsm::test {
namespace {

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ",") + p;
  return out;
}

// Version tables (turnstone_version, turnstone_<tree>_version) and the tool's own bookkeeping
// (turnstone_migrate_*) are not part of the application schema.
bool is_bookkeeping(const std::string& table) {
  auto ends_with = [&](const std::string& suffix) {
    return table.size() >= suffix.size() && table.compare(table.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return table.rfind("turnstone_migrate_", 0) == 0 ||
         (table.rfind("turnstone_", 0) == 0 && ends_with("_version"));
}

}  // namespace

std::string render_fingerprint(const SchemaDescription& schema) {
  std::ostringstream out;
  for (const auto& [name, t] : schema.tables) {  // std::map: sorted by name
    if (is_bookkeeping(name)) continue;
    out << "table " << name << " pk(" << join(t.primary_key) << ")\n";
    for (const auto& c : t.columns)  // column order is part of the schema
      out << "  column " << c.name << " " << c.type << (c.nullable ? " null" : " not null")
          << (c.default_.empty() ? "" : " default " + c.default_) << "\n";
    std::vector<std::string> lines;
    for (const auto& i : t.indexes)
      lines.push_back("  index " + i.name + (i.unique ? " unique" : "") + " (" + join(i.columns) + ")");
    for (const auto& f : t.foreign_keys)
      lines.push_back("  fk (" + join(f.columns) + ") -> " + f.ref_table + "(" + join(f.ref_columns) +
                      ") on delete " + f.on_delete);
    for (const auto& o : t.fulltext_objects) lines.push_back("  fulltext " + o);
    std::sort(lines.begin(), lines.end());
    for (const auto& l : lines) out << l << "\n";
  }
  return out.str();
}

std::string schema_fingerprint(Connection& conn) {
  return render_fingerprint(conn.introspect({"turnstone_version", "turnstone_context_version",
                                             "turnstone_migrate_progress", "turnstone_migrate_runs",
                                             "turnstone_migrate_revisions"}));
}

std::string database_fingerprint(const TestDatabase& db) {
  std::string text = schema_fingerprint(*db.connect());
  if (db.kind() != DialectKind::sqlite) return text;
  std::filesystem::path main(db.name());
  auto context = main.parent_path() / (main.stem().string() + "-context.db");
  if (!std::filesystem::exists(context)) return text;
  auto conn = backend_for(DialectKind::sqlite).connect(parse_url("sqlite:///" + context.string()), ConnectOptions{});
  std::string context_text = schema_fingerprint(*conn);
  return context_text.empty() ? text : text + "-- context file\n" + context_text;
}

}  // namespace tsm::test
