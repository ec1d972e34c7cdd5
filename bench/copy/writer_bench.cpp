// The dialect side of copy, measured without the engine: log_entries of a generated install
// (bench/copy/gen-install) read from SQLite in key order, made canonical (Dialect::canonical),
// and loaded through the target's Connection::bulk_writer in transactions of 50,000 rows, into a
// fresh table with log_entries' columns and b-tree indexes. `--insert` uses the portable
// multi-row INSERT writer instead (the base Connection::bulk_writer), for the ratio.
//
//   writer_bench SQLITE_FILE TARGET_URL [--insert] [--limit N]
//
// Prints one line: target, writer, rows, load seconds, rows/s, read+canonical seconds, peak RSS.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/base/url.h"
#include "core/dialect.h"
#include "core/model/schema.h"

using namespace tsm;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: writer_bench SQLITE_FILE TARGET_URL [--insert] [--limit N]\n");
    return 2;
  }
  bool insert = false;
  long long limit = -1;
  for (int i = 3; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--insert")) insert = true;
    if (!std::strcmp(argv[i], "--limit") && i + 1 < argc) limit = std::atoll(argv[++i]);
  }
  auto src = backend_for(DialectKind::sqlite).connect(parse_url(std::string("sqlite:///") + argv[1]), {});
  DatabaseUrl url = parse_url(argv[2]);
  auto dst = backend_for(url.dialect).connect(url, {});
  const Dialect& sd = src->dialect();
  const Dialect& td = dst->dialect();

  // log_entries at head (versions/main), under another name.
  const std::string table = "bench_log_entries";
  Ops ops;
  ops.create_table(table, {col::id("id"), col::string("source_id", 255).not_null(), col::timestamp("timestamp").not_null(),
                           col::string("severity", 16).not_null(), col::text("hostname"), col::text("service"),
                           col::text("message").not_null(), col::text("raw"), col::json("matched_patterns").not_null(),
                           col::timestamp("ingested_at").not_null(), col::real("anomaly_score"), col::text("anomaly_label"),
                           col::timestamp("anomaly_scored_at"), col::real("ml_score"), col::text("ml_label"),
                           col::timestamp("ml_scored_at"), col::string("tenant_id", 64).not_null()});
  ops.create_index("idx_bench_tenant_source_ts", table, {"tenant_id", "source_id", "timestamp"});
  ops.create_index("idx_bench_tenant_severity_ts", table, {"tenant_id", "severity", "timestamp"});
  if (dst->table_exists(table)) dst->execute("DROP TABLE " + td.quote(table));
  Schema schema;
  for (const auto& op : ops.operations()) {
    for (const auto& st : td.render(op, schema)) dst->execute(st.sql);
    schema.apply(op);
  }
  std::vector<BulkColumn> columns;
  std::string names;
  for (const auto& c : schema.table(table)->spec.columns) {
    columns.push_back({c.name, c.type});
    names += (names.empty() ? "" : ", ") + sd.quote(c.name);
  }

  const std::size_t kBatch = 50000, kPage = 10000;
  std::string last = "0";
  long long rows = 0;
  double read_s = 0;
  const auto t0 = Clock::now();
  bool done = false;
  while (!done) {
    dst->begin();
    auto writer = insert ? dst->Connection::bulk_writer(table, columns) : dst->bulk_writer(table, columns);
    std::size_t in_batch = 0;
    while (in_batch < kBatch) {
      const auto r0 = Clock::now();
      auto page = src->query("SELECT " + names + " FROM " + sd.quote("log_entries") + " WHERE " + sd.quote("id") +
                                 " > ? ORDER BY " + sd.quote("id") + " LIMIT " + std::to_string(kPage),
                             {last});
      for (auto& row : page)
        for (std::size_t i = 0; i < row.size(); ++i) row[i] = sd.canonical(columns[i].type, row[i]);
      read_s += std::chrono::duration<double>(Clock::now() - r0).count();
      if (page.empty()) {
        done = true;
        break;
      }
      last = *page.back()[0];
      for (const auto& row : page) writer->write(row);
      in_batch += page.size();
      rows += static_cast<long long>(page.size());
      if (limit > 0 && rows >= limit) {
        done = true;
        break;
      }
    }
    writer->finish();
    dst->commit();
  }
  const double total = std::chrono::duration<double>(Clock::now() - t0).count();
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("%s\t%s\t%lld rows\t%.2f s\t%.0f rows/s\tread+canonical %.2f s\tpeak RSS %ld MB\n",
              dialect_name(url.dialect), insert ? "multi-row INSERT" : "bulk", rows, total, rows / total, read_s,
              ru.ru_maxrss / 1024);
  dst->execute("DROP TABLE " + td.quote(table));
  return 0;
}
