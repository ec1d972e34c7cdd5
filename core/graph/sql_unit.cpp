#include "core/graph/sql_unit.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/base/errors.h"
#include "core/graph/sql_lexer.h"

namespace tsm {
namespace {

namespace fs = std::filesystem;


std::string trim(const std::string& s) {
  auto b = std::find_if(s.begin(), s.end(), [](unsigned char c) { return !std::isspace(c); });
  auto e = std::find_if(s.rbegin(), s.rend(), [](unsigned char c) { return !std::isspace(c); }).base();
  return b < e ? std::string(b, e) : std::string();
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  if (!lines.empty() && lines[0].rfind("\xEF\xBB\xBF", 0) == 0) lines[0].erase(0, 3);  // UTF-8 BOM
  return lines;
}

bool is_comment(const std::string& trimmed) { return trimmed.rfind("--", 0) == 0; }

// "-- key: value" → key (lowercase letters and '_' right before ':'); anything else, such as
// "-- Copyright: …" or "-- see also: …", is a plain comment.
std::optional<std::string> header_key(const std::string& trimmed, std::string& value) {
  std::string rest = trim(trimmed.substr(2));
  std::size_t n = 0;
  while (n < rest.size() && ((rest[n] >= 'a' && rest[n] <= 'z') || rest[n] == '_')) ++n;
  if (n == 0 || n >= rest.size() || rest[n] != ':') return std::nullopt;
  value = trim(rest.substr(n + 1));
  return rest.substr(0, n);
}

bool is_known_key(const std::string& key) {
  return key == "revision" || key == "down_revision" || key == "branch_labels" || key == "depends_on" ||
         key == "message" || key == "tree" || key == "transaction" || key == "lint";
}

// "-- +word [arg…]" → the words, or empty when the line is not a directive.
std::vector<std::string> directive_words(const std::string& trimmed) {
  if (!is_comment(trimmed)) return {};
  std::string rest = trim(trimmed.substr(2));
  if (rest.empty() || rest[0] != '+') return {};
  std::istringstream in(rest);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// A section's SQL as written: text runs (split by the lexer once the section ends) and
// '-- +statement-begin' blocks (one statement each, verbatim).
struct Chunk {
  int line = 0;
  std::string text;
  bool verbatim = false;
};
struct Section {
  int line = 0;
  std::vector<Chunk> chunks;
};
struct Direction {
  std::optional<Section> generic;
  std::map<DialectKind, Section> per_dialect;
  bool empty() const { return !generic && per_dialect.empty(); }
};

// The statements of a section as `dialect`'s client reads them.
std::vector<std::string> statements_of(const Section& section, DialectKind dialect, const std::string& path) {
  std::vector<std::string> out;
  for (const auto& chunk : section.chunks) {
    if (chunk.verbatim) {
      out.push_back(chunk.text);
      continue;
    }
    try {
      for (auto& st : split_sql(chunk.text, dialect, chunk.line)) out.push_back(std::move(st.sql));
    } catch (const SqlSyntaxError& e) {
      throw UsageError(fmt::format("{}:{}: {}", path, e.line, e.what()));
    }
  }
  return out;
}

// One Execute per statement; see sql_unit.h for how dialect sections replace the generic one.
// The generic section is read by each dialect's own rules: where they all agree (the usual
// case) its statements are generic, else each dialect runs what its own client would.
std::vector<Execute> executes_for(const Direction& d, const std::string& path) {
  std::set<DialectKind> with_own_section;
  for (const auto& [kind, _] : d.per_dialect) with_own_section.insert(kind);
  std::vector<Execute> out;
  if (d.generic) {
    std::map<DialectKind, std::vector<std::string>> readings;
    for (const auto& [kind, name, aliases] : dialects()) {
      if (with_own_section.count(kind)) continue;
      try {
        readings[kind] = statements_of(*d.generic, kind, path);
      } catch (const UsageError& e) {
        throw UsageError(fmt::format("{} (as {} reads the generic section; give {} a section of its own)", e.what(),
                                     name, name));
      }
    }
    const bool agree = std::all_of(readings.begin(), readings.end(),
                                   [&](const auto& r) { return r.second == readings.begin()->second; });
    if (agree && !readings.empty()) {
      for (const auto& sql : readings.begin()->second) {
        Execute e;
        e.generic = sql;
        e.skip = with_own_section;
        out.push_back(std::move(e));
      }
    } else {
      for (const auto& [kind, statements] : readings)
        for (const auto& sql : statements) {
          Execute e;
          e.per_dialect[kind] = sql;
          for (const auto& [other, name, aliases] : dialects())
            if (other != kind) e.skip.insert(other);
          out.push_back(std::move(e));
        }
    }
  }
  for (const auto& [kind, section] : d.per_dialect) {
    std::set<DialectKind> skip;
    for (const auto& [other, name, aliases] : dialects())
      if (other != kind && (d.generic || with_own_section.count(other))) skip.insert(other);
    for (const auto& sql : statements_of(section, kind, path)) {
      Execute e;
      e.per_dialect[kind] = sql;
      e.skip = skip;
      out.push_back(std::move(e));
    }
  }
  return out;
}

MigrationFn migration_for(const Direction& d, const std::string& path) {
  if (d.empty()) return nullptr;
  auto statements = std::make_shared<const std::vector<Execute>>(executes_for(d, path));
  return [statements](Ops& op) {
    for (const auto& e : *statements) op.execute_statement(e);
  };
}

class UnitParser {
 public:
  explicit UnitParser(std::string path) : path_(std::move(path)) {}

  Revision parse(const std::string& text) {
    auto lines = split_lines(text);
    for (std::size_t i = 0; i < lines.size(); ++i) line(static_cast<int>(i + 1), lines[i]);
    if (in_block_) fail(block_line_, "unclosed '-- +statement-begin' (no '-- +statement-end' before the end of the file)");
    if (revision_line_ == 0) fail(1, "missing '-- revision:' header");
    rev_.upgrade = migration_for(up_, path_);
    rev_.downgrade = migration_for(down_, path_);
    if (!session_.empty()) rev_.session = executes_for(session_, path_);
    rev_.origin = fmt::format("{}:{}", path_, revision_line_);
    return std::move(rev_);
  }

 private:
  [[noreturn]] void fail(int line, const std::string& why) const {
    throw UsageError(fmt::format("{}:{}: {}", path_, line, why));
  }

  void line(int n, const std::string& raw) {
    std::string t = trim(raw);
    auto words = directive_words(t);
    if (!words.empty()) return directive(n, words);
    if (in_block_) {
      block_ += raw + "\n";
      return;
    }
    if (is_comment(t)) return comment(n, t, raw);
    if (!section_) {
      if (t.empty()) return;
      fail(n, "SQL before the first '-- +upgrade', '-- +downgrade' or '-- +session' section");
    }
    text(n, raw);
  }

  // A line of SQL text (or a blank line) for the lexer.
  void text(int n, const std::string& raw) {
    if (section_->chunks.empty() || section_->chunks.back().verbatim) section_->chunks.push_back({n, "", false});
    section_->chunks.back().text += raw + "\n";
  }

  void comment(int n, const std::string& t, const std::string& raw) {
    std::string value;
    auto key = header_key(t, value);
    if (!section_) {
      if (key) header(n, *key, value);
      return;  // other comments in the header block are free text
    }
    if (key && is_known_key(*key)) fail(n, fmt::format("header '{}' after the first section: headers come first", *key));
    text(n, raw);  // the lexer keeps comments inside a statement and drops those between statements
  }

  void header(int n, const std::string& key, const std::string& value) {
    if (!is_known_key(key))
      fail(n, fmt::format("unknown header '{}' (known: revision, down_revision, branch_labels, depends_on, message, "
                          "tree, transaction, lint)",
                          key));
    if (key == "lint") return lint_waiver(n, value);  // repeatable: one line per waived rule
    if (!seen_keys_.emplace(key, n).second)
      fail(n, fmt::format("header '{}' given twice (first at line {})", key, seen_keys_[key]));
    if (key == "revision") {
      if (value.empty()) fail(n, "empty revision id");
      rev_.id = value;
      revision_line_ = n;
    } else if (key == "down_revision") {
      rev_.down_revisions = list(n, value);
      auto is_none = [](std::string item) {  // "none", also written "None" as in Alembic scripts
        std::transform(item.begin(), item.end(), item.begin(), [](unsigned char c) { return std::tolower(c); });
        return item == "none";
      };
      if (rev_.down_revisions.size() == 1 && is_none(rev_.down_revisions[0])) rev_.down_revisions.clear();
      if (std::any_of(rev_.down_revisions.begin(), rev_.down_revisions.end(), is_none))
        fail(n, "'none' cannot be combined with parent revisions");
    } else if (key == "branch_labels") {
      rev_.branch_labels = list(n, value);
    } else if (key == "depends_on") {
      rev_.depends_on = list(n, value);
    } else if (key == "message") {
      rev_.message = value;
    } else if (key == "tree") {
      if (value.empty()) fail(n, "empty tree name");
      rev_.tree = value;
    } else if (key == "transaction") {
      if (value != "none" && value != "revision")
        fail(n, fmt::format("'-- transaction: {}': expected 'revision' (the default: one transaction per revision) "
                            "or 'none' (each statement commits on its own)",
                            value));
      rev_.transactional = value == "revision";
    }
  }

  // "-- lint: waive TM201 the reason": a justified waiver for one rule (see LintWaiver).
  void lint_waiver(int n, const std::string& value) {
    std::istringstream in(value);
    std::string verb, rule;
    in >> verb >> rule;
    std::string reason;
    std::getline(in, reason);
    reason = trim(reason);
    if (verb != "waive" || !is_lint_rule_id(rule) || reason.empty())
      fail(n, "malformed lint header: expected '-- lint: waive TMnnn <reason>' (a waiver needs its reason)");
    rev_.lint_waivers.push_back({rule, reason});
  }

  std::vector<std::string> list(int n, const std::string& value) {
    std::vector<std::string> items;
    if (value.empty()) return items;
    std::istringstream in(value);
    for (std::string item; std::getline(in, item, ',');) {
      item = trim(item);
      if (item.empty()) fail(n, "empty item in a comma list");
      items.push_back(item);
    }
    if (value.back() == ',') fail(n, "empty item in a comma list");
    return items;
  }

  void directive(int n, const std::vector<std::string>& words) {
    const std::string& word = words[0];
    if (word == "+statement-begin" || word == "+statement-end") {
      if (words.size() > 1) fail(n, fmt::format("'-- {}' takes no argument", word));
      return word == "+statement-begin" ? begin_block(n) : end_block(n);
    }
    if (word != "+upgrade" && word != "+downgrade" && word != "+session")
      fail(n, fmt::format("unknown directive '-- {}' (expected +upgrade, +downgrade, +session, +statement-begin, "
                          "+statement-end)",
                          word));
    if (in_block_) fail(block_line_, "unclosed '-- +statement-begin' (a new section starts at line " + std::to_string(n) + ")");
    if (words.size() > 2) fail(n, fmt::format("'-- {}' takes at most one dialect", word));
    Direction& dir = word == "+upgrade" ? up_ : word == "+downgrade" ? down_ : session_;
    std::string name = word.substr(1) + (words.size() == 2 ? " " + words[1] : "");
    if (words.size() == 1) {
      if (dir.generic) fail(n, fmt::format("second '-- +{}' section (the first is at line {})", name, dir.generic->line));
      dir.generic = Section{n, {}};
      section_ = &*dir.generic;
      return;
    }
    auto kind = parse_dialect(words[1]);
    if (!kind) fail(n, fmt::format("unknown dialect '{}' (expected {})", words[1], dialect_choices()));
    auto [it, inserted] = dir.per_dialect.emplace(*kind, Section{n, {}});
    if (!inserted) fail(n, fmt::format("second '-- +{}' section (the first is at line {})", name, it->second.line));
    section_ = &it->second;
  }

  void begin_block(int n) {
    if (!section_) fail(n, "'-- +statement-begin' before the first '-- +upgrade', '-- +downgrade' or '-- +session' section");
    if (in_block_) fail(n, fmt::format("nested '-- +statement-begin' (the block opened at line {} is not closed)", block_line_));
    in_block_ = true;
    block_line_ = n;
    block_.clear();
  }

  // The block's text without its final ';' (dialects and --sql add their own terminator).
  void end_block(int n) {
    if (!in_block_) fail(n, "'-- +statement-end' without '-- +statement-begin'");
    in_block_ = false;
    std::string sql = trim(block_);
    if (!sql.empty() && sql.back() == ';') sql = trim(sql.substr(0, sql.size() - 1));
    if (sql.empty()) fail(block_line_, "empty '-- +statement-begin' block");
    section_->chunks.push_back({block_line_, std::move(sql), true});
  }

  std::string path_;
  Revision rev_;
  int revision_line_ = 0;
  std::map<std::string, int> seen_keys_;
  Direction up_, down_, session_;
  Section* section_ = nullptr;  // the section statements go to; null while in the header
  std::string block_;
  bool in_block_ = false;
  int block_line_ = 0;
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(fmt::format("{}: cannot read the revision unit", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

Revision parse_sql_unit(const std::string& text, const std::string& path) { return UnitParser(path).parse(text); }

std::vector<Revision> load_sql_units(const std::vector<std::string>& dirs) {
  std::vector<Revision> revisions;
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw UsageError(fmt::format("--revisions-dir {}: no such directory", dir));
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      std::error_code type_ec;
      if (entry.path().extension() == ".sql" && entry.is_regular_file(type_ec)) files.push_back(entry.path());
    }
    if (ec) throw UsageError(fmt::format("--revisions-dir {}: cannot list it: {}", dir, ec.message()));
    std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });
    for (const auto& file : files) revisions.push_back(parse_sql_unit(read_file(file), file.string()));
  }
  return revisions;
}

}  // namespace tsm
