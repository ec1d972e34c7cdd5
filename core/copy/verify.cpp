// Verification: per table, the row count and the order-independent checksum of the canonical
// rows, computed the same way on both sides by reading both; where they differ, the first key
// (in the reading side's key order) whose row is missing or different on the other side.
#include <algorithm>
#include <future>
#include <map>

#include <fmt/format.h>

#include "core/base/text.h"
#include "core/copy/copy_internal.h"

namespace tsm::copy_detail {
namespace {

TableDigest digest(Connection& conn, const TableShape& shape, std::size_t batch_rows) {
  TableDigest d;
  KeysetReader reader(conn, shape, batch_rows);
  for (auto batch = reader.next(); !batch.empty(); batch = reader.next())
    for (const auto& raw : batch) d.add(canonical_row(conn.dialect(), shape, raw));
  return d;
}

// Rows of `b` with the given canonical keys, by encoded key → row text.
std::map<std::string, std::string> lookup(Connection& b, const TableShape& shape,
                                          const std::vector<std::vector<std::string>>& keys) {
  const Dialect& d = b.dialect();
  std::vector<std::string> cols, alternatives, params;
  for (const auto& c : shape.columns) cols.push_back(d.quote(c.name));
  for (const auto& key : keys) {
    std::vector<std::string> terms;
    for (std::size_t i = 0; i < shape.key.size(); ++i) {
      terms.push_back(d.quote(shape.columns[shape.key[i]].name) + " = ?");
      params.push_back(key[i]);
    }
    alternatives.push_back("(" + join(terms, " AND ") + ")");
  }
  std::map<std::string, std::string> out;
  if (keys.empty()) return out;
  auto rows = b.query(fmt::format("SELECT {} FROM {} WHERE {}", join(cols, ", "), d.quote(shape.name),
                                  join(alternatives, " OR ")),
                      params);
  for (const auto& raw : rows) {
    Row canonical = canonical_row(d, shape, raw);
    out[encode_key(key_of(shape, canonical))] = row_text(canonical);
  }
  return out;
}

// The first row of `a` (in a's key order) that `b` lacks or holds differently.
std::optional<std::string> first_difference(Connection& a, Connection& b, const TableShape& shape,
                                            std::size_t batch_rows) {
  constexpr std::size_t kKeysPerLookup = 200;
  KeysetReader reader(a, shape, std::min<std::size_t>(batch_rows, kKeysPerLookup));
  for (auto batch = reader.next(); !batch.empty(); batch = reader.next()) {
    std::vector<Row> canonical;
    std::vector<std::vector<std::string>> keys;
    for (const auto& raw : batch) {
      canonical.push_back(canonical_row(a.dialect(), shape, raw));
      keys.push_back(key_of(shape, canonical.back()));
    }
    auto other = lookup(b, shape, keys);
    for (std::size_t i = 0; i < canonical.size(); ++i) {
      auto it = other.find(encode_key(keys[i]));
      if (it == other.end()) return describe_key(shape, keys[i]) + " (missing on one side)";
      if (it->second != row_text(canonical[i])) return describe_key(shape, keys[i]);
    }
  }
  return std::nullopt;
}

}  // namespace

void verify_tables(const std::vector<TreeJob>& jobs, std::vector<TableReport>& reports,
                   const ProgressCallback& progress, std::size_t batch_rows) {
  for (const auto& job : jobs)
    for (const auto& shape : job.tables) {
      TableReport* r = nullptr;
      for (auto& candidate : reports)
        if (candidate.tree == job.tree && candidate.table == shape.name) r = &candidate;
      if (!r) r = &reports.emplace_back(table_report(job.tree, shape.name));
      progress({CopyPhase::verify, job.tree, shape.name, 0, 0, false});
      // Both sides at once (two connections, two threads): verification costs the slower side.
      auto source = std::async(std::launch::async, [&] { return digest(*job.src, shape, batch_rows); });
      TableDigest t = digest(*job.dst, shape, batch_rows);
      TableDigest s = source.get();
      r->source_rows = s.rows();
      r->target_rows = t.rows();
      r->source_checksum = s.hex();
      r->target_checksum = t.hex();
      r->match = s.rows() == t.rows() && s.hex() == t.hex();
      if (!r->match) {
        r->first_difference = first_difference(*job.src, *job.dst, shape, batch_rows);
        if (!r->first_difference) r->first_difference = first_difference(*job.dst, *job.src, shape, batch_rows);
      }
      progress({CopyPhase::verify, job.tree, shape.name, t.rows(), s.rows(), true});
    }
}

}  // namespace tsm::copy_detail
