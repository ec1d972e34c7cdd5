// Which tenants a --tenants spec names and their version rows, read in a few queries before any
// tenant is connected. The worker pool that runs them is tenant_fanout.cpp, the bookkeeping
// table fanout_log.cpp: listing talks to the catalog once, the other two run per tenant.
#include "core/run/tenants.h"

#include <algorithm>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "core/base/errors.h"
#include "core/run/tenants_internal.h"

namespace tsm {
namespace {

using tenants_detail::first_line;

// UNION ALL arms per query: 2,000 version tables are eight queries.
constexpr std::size_t kArmsPerQuery = 250;

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// Names as a file lists them: one a line, blank lines and lines starting with '#' skipped,
// surrounding blanks dropped. Duplicates are refused: one tenant twice in one fan-out would race
// itself for its own lock.
std::vector<std::string> read_name_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (path.empty() || !in) throw UsageError(fmt::format("--tenants @{}: cannot read the file", path));
  std::vector<std::string> names;
  std::set<std::string> seen;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string name = trim(line);
    if (name.empty() || name[0] == '#') continue;
    if (!seen.insert(name).second)
      throw UsageError(fmt::format("--tenants @{}: line {} repeats '{}'", path, number, first_line(name)));
    names.push_back(name);
  }
  return names;
}

bool is_system_schema(DialectKind kind, const std::string& name) {
  if (kind == DialectKind::postgresql)
    return name == "information_schema" || name.rfind("pg_", 0) == 0;  // pg_catalog, pg_toast, pg_temp_N…
  return name == "information_schema" || name == "mysql" || name == "performance_schema" || name == "sys";
}

std::string sqlite_tenant_url(const std::string& entry) {
  if (entry.find("://") != std::string::npos) return entry;
  return "sqlite:///" + entry;  // an absolute path gives sqlite:////abs, a relative one stays relative
}

// Reads the version rows of every (tenant, tree) pair that has a table, in UNION ALL queries.
// A tenant whose rows cannot be taken as they are (NULL, duplicates, a query that fails) keeps
// nullopt: its worker reads them itself and reports what is wrong.
void prefetch_rows(Connection& conn, const std::vector<std::string>& trees, const std::vector<std::string>& tables,
                   const std::set<std::pair<std::string, std::string>>& present, std::vector<Tenant>& tenants) {
  const Dialect& d = conn.dialect();
  struct Arm {
    std::size_t tenant, tree;
  };
  std::vector<Arm> arms;
  for (std::size_t i = 0; i < tenants.size(); ++i) {
    TreeRows rows;
    for (const auto& tree : trees) rows[tree] = {};
    tenants[i].rows = rows;
    for (std::size_t k = 0; k < tables.size(); ++k)
      if (present.count({tenants[i].name, tables[k]})) arms.push_back({i, k});
  }
  std::vector<bool> bad(tenants.size(), false);
  for (std::size_t start = 0; start < arms.size(); start += kArmsPerQuery) {
    const std::size_t end = std::min(arms.size(), start + kArmsPerQuery);
    std::string sql;
    for (std::size_t a = start; a < end; ++a) {
      if (!sql.empty()) sql += " UNION ALL ";
      // Only numbers and quoted identifiers: no tenant name reaches the SQL unquoted.
      sql += fmt::format("SELECT {}, {}, version_num FROM {}.{}", arms[a].tenant, arms[a].tree,
                         d.quote(tenants[arms[a].tenant].name), d.quote(tables[arms[a].tree]));
    }
    try {
      for (const auto& row : conn.query(sql)) {
        if (row.size() != 3 || !row[0] || !row[1]) continue;
        const std::size_t i = std::stoul(*row[0]);
        const std::size_t k = std::stoul(*row[1]);
        if (i >= tenants.size() || k >= trees.size()) continue;
        if (!row[2]) {
          bad[i] = true;
          continue;
        }
        auto& revs = (*tenants[i].rows)[trees[k]];
        if (std::find(revs.begin(), revs.end(), *row[2]) != revs.end()) bad[i] = true;
        revs.push_back(*row[2]);
      }
    } catch (const StatementError&) {
      for (std::size_t a = start; a < end; ++a) bad[arms[a].tenant] = true;
    } catch (const UsageError&) {  // a name the dialect cannot quote (too long)
      for (std::size_t a = start; a < end; ++a) bad[arms[a].tenant] = true;
    }
  }
  for (std::size_t i = 0; i < tenants.size(); ++i) {
    if (bad[i]) {
      tenants[i].rows.reset();
      continue;
    }
    for (auto& [tree, revs] : *tenants[i].rows) std::sort(revs.begin(), revs.end());
  }
}

}  // namespace

TenantSpec parse_tenant_spec(const std::string& spec) {
  if (spec.empty()) throw UsageError("--tenants is empty: give all, a glob such as 'tenant_*', or @FILE");
  if (spec == "all") return {TenantSpec::Kind::all, {}};
  if (spec[0] == '@') {
    if (spec.size() == 1) throw UsageError("--tenants @FILE needs a file name after '@'");
    return {TenantSpec::Kind::file, spec.substr(1)};
  }
  return {TenantSpec::Kind::glob, spec};
}

bool glob_match(const std::string& pattern, const std::string& name) {
  std::size_t p = 0, n = 0, star = std::string::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (star != std::string::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::vector<Tenant> resolve_tenants(const Workspace& control, const TenantSpec& spec,
                                    const std::optional<std::vector<std::string>>& only) {
  const DatabaseUrl url = parse_url(control.settings().main_url);
  auto wanted = [&](const std::string& name) {
    return !only || std::find(only->begin(), only->end(), name) != only->end();
  };
  std::vector<Tenant> tenants;

  if (url.dialect == DialectKind::sqlite) {
    if (spec.kind != TenantSpec::Kind::file)
      throw UsageError("SQLite tenants are files: list their URLs or paths in a file and give --tenants @FILE");
    for (const auto& entry : read_name_file(spec.text)) {
      if (!wanted(entry)) continue;
      Tenant t;
      t.name = entry;
      t.url = sqlite_tenant_url(entry);
      if (parse_url(t.url).dialect != DialectKind::sqlite)
        throw UsageError(fmt::format("--tenants @{}: '{}' is not a SQLite URL or path (the --url is SQLite)", spec.text,
                                     parse_url(t.url).redacted()));
      tenants.push_back(std::move(t));
    }
    return tenants;
  }

  if (url.dialect == DialectKind::postgresql && (url.param("schema") || url.param("search_path")))
    throw UsageError("--tenants picks the schemas itself: leave ?schema= (and ?search_path=) out of the URL");

  ConnectOptions options;
  auto conn = backend_for(url.dialect).connect(url, options);
  const auto trees = control.selected_trees();
  std::vector<std::string> tables;
  for (const auto& tree : trees) tables.push_back(control.version_table(tree));

  // Which schemas/databases hold which version tables: one scan of information_schema.
  std::set<std::pair<std::string, std::string>> present;
  {
    std::string marks;
    for (std::size_t k = 0; k < tables.size(); ++k) marks += k ? ", ?" : "?";
    for (const auto& row : conn->query(
             "SELECT table_schema, table_name FROM information_schema.tables WHERE table_name IN (" + marks + ")",
             tables))
      if (row.size() == 2 && row[0] && row[1]) present.insert({*row[0], *row[1]});
  }
  // On MariaDB the URL's own database is the control database, never a tenant.
  auto eligible = [&](const std::string& name) {
    if (is_system_schema(url.dialect, name)) return false;
    return !(url.dialect == DialectKind::mariadb && name == url.database);
  };

  std::vector<std::string> names;
  switch (spec.kind) {
    case TenantSpec::Kind::all: {
      // --retry-failed with `all`: the failed tenants as recorded, also one whose first revision
      // rolled back and left no version table.
      if (only) {
        for (const auto& name : *only)
          if (eligible(name)) names.push_back(name);
        break;
      }
      std::set<std::string> found;
      for (const auto& [schema, table] : present)
        if (eligible(schema)) found.insert(schema);
      names.assign(found.begin(), found.end());
      break;
    }
    case TenantSpec::Kind::glob: {
      for (const auto& row : conn->query("SELECT schema_name FROM information_schema.schemata"))
        if (!row.empty() && row[0] && eligible(*row[0]) && glob_match(spec.text, *row[0])) names.push_back(*row[0]);
      std::sort(names.begin(), names.end());
      break;
    }
    case TenantSpec::Kind::file: names = read_name_file(spec.text); break;
  }

  for (const auto& name : names) {
    if (!wanted(name)) continue;
    Tenant t;
    t.name = name;
    DatabaseUrl tenant_url = url;
    if (url.dialect == DialectKind::postgresql)
      tenant_url.query["schema"] = name;  // the URL's own tenant mechanism (search_path, lock key)
    else
      tenant_url.database = name;
    // For a server URL default_context_url is the URL itself as text, password kept.
    t.url = default_context_url(tenant_url);
    tenants.push_back(std::move(t));
  }
  prefetch_rows(*conn, trees, tables, present, tenants);
  return tenants;
}

Settings tenant_settings(const Settings& control, const Tenant& tenant) {
  Settings s = control;
  s.main_url = tenant.url;
  s.context_url.reset();  // derived from the tenant's URL: its schema, its database, its -context file
  return s;
}

}  // namespace tsm
