#include "core/copy/copy_state.h"

#include <fmt/format.h>

#include "core/copy/copy.h"

namespace tsm {
namespace {

TableSpec copy_table_spec() {
  TableSpec spec;
  spec.name = kCopyTable;
  spec.columns = {col::string("item", 190).pk(), col::text("watermark"),
                  col::big_integer("copied_rows").not_null(), col::integer("done").not_null()};
  return spec;
}

}  // namespace

bool CopyState::exists() { return conn_.table_exists(kCopyTable); }

void CopyState::ensure_table() {
  if (exists()) return;
  for (const auto& st : conn_.dialect().render(CreateTable{copy_table_spec()}, Schema{})) conn_.execute(st.sql);
}

bool CopyState::has_tree(const std::string& tree) {
  if (!exists()) return false;
  const Dialect& d = conn_.dialect();
  for (const auto& row : conn_.query(fmt::format("SELECT {} FROM {}", d.quote("item"), d.quote(kCopyTable)))) {
    if (!row.empty() && row[0]) {
      const std::string& item = *row[0];
      auto colon = item.find(':');
      if (colon != std::string::npos && item.compare(colon + 1, tree.size() + 1, tree + ":") == 0) return true;
      if (colon != std::string::npos && item.substr(colon + 1) == tree) return true;
    }
  }
  return false;
}

std::optional<std::string> CopyState::get(const std::string& item) {
  if (!exists()) return std::nullopt;
  const Dialect& d = conn_.dialect();
  auto rows = conn_.query(fmt::format("SELECT {} FROM {} WHERE {} = ?", d.quote("watermark"), d.quote(kCopyTable),
                                      d.quote("item")),
                          {item});
  if (rows.empty() || rows[0].empty() || !rows[0][0]) return std::nullopt;
  return rows[0][0];
}

void CopyState::put(const std::string& item, const std::string& watermark, std::uint64_t rows, bool done) {
  const Dialect& d = conn_.dialect();
  conn_.query(fmt::format("DELETE FROM {} WHERE {} = ?", d.quote(kCopyTable), d.quote("item")), {item});
  conn_.query(fmt::format("INSERT INTO {} ({}, {}, {}, {}) VALUES (?, ?, ?, ?)", d.quote(kCopyTable), d.quote("item"),
                          d.quote("watermark"), d.quote("copied_rows"), d.quote("done")),
              {item, watermark, std::to_string(rows), done ? "1" : "0"});
}

Watermark CopyState::table(const std::string& tree, const std::string& table) {
  Watermark mark;
  if (!exists()) return mark;
  const Dialect& d = conn_.dialect();
  auto rows = conn_.query(fmt::format("SELECT {}, {}, {} FROM {} WHERE {} = ?", d.quote("watermark"),
                                      d.quote("copied_rows"), d.quote("done"), d.quote(kCopyTable), d.quote("item")),
                          {table_item(tree, table)});
  if (rows.empty()) return mark;
  const Row& r = rows[0];
  if (r[0] && !r[0]->empty()) mark.key = *r[0];
  mark.rows = r[1] ? std::stoull(*r[1]) : 0;
  mark.done = r[2] && *r[2] != "0";
  return mark;
}

void CopyState::advance(const std::string& tree, const std::string& table, const Watermark& mark) {
  put(table_item(tree, table), mark.key.value_or(""), mark.rows, mark.done);
}

void CopyState::forget_tree(const std::string& tree) {
  if (!exists()) return;
  const Dialect& d = conn_.dialect();
  for (const std::string prefix : {"state:", "version:"})
    conn_.query(fmt::format("DELETE FROM {} WHERE {} = ?", d.quote(kCopyTable), d.quote("item")), {prefix + tree});
  conn_.query(fmt::format("DELETE FROM {} WHERE {} LIKE ?", d.quote(kCopyTable), d.quote("item")),
              {"table:" + tree + ":%"});
}

void CopyState::drop_if_empty() {
  if (!exists()) return;
  const Dialect& d = conn_.dialect();
  auto left = conn_.query(fmt::format("SELECT COUNT(*) FROM {}", d.quote(kCopyTable)));
  if (!left.empty() && left[0][0] && *left[0][0] == "0") conn_.execute("DROP TABLE " + d.quote(kCopyTable));
}

}  // namespace tsm
