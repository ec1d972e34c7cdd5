#include "tests/support/test_db.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>
#include <stdexcept>

#include <fmt/format.h>

namespace tsm::test {
namespace {

const char* env_var_for(DialectKind kind) {
  switch (kind) {
    case DialectKind::postgresql: return "TSM_TEST_PG_URL";
    case DialectKind::mariadb: return "TSM_TEST_MARIADB_URL";
    case DialectKind::sqlite: return nullptr;
  }
  return nullptr;
}

std::string env(const char* name) {
  const char* v = name ? std::getenv(name) : nullptr;
  return v ? v : "";
}

bool in_ci() {
  std::string ci = env("CI");
  return ci == "true" || ci == "1";
}

std::string unique_suffix() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  return fmt::format("{}_{}_{:x}", ::getpid(), counter++, rd() & 0xffffff);
}

std::string make_temp_dir() {
  auto base = std::filesystem::temp_directory_path() / ("tsm_test_" + unique_suffix());
  std::filesystem::create_directories(base);
  return base.string();
}

// Replaces the database part of a server URL (everything after the authority, before '?').
std::string with_database(const std::string& admin_url, const std::string& db) {
  auto scheme_end = admin_url.find("://");
  auto path_start = admin_url.find('/', scheme_end + 3);
  auto query = admin_url.find('?', scheme_end + 3);
  std::string head = admin_url.substr(0, path_start == std::string::npos ? query : path_start);
  std::string tail = query == std::string::npos ? "" : admin_url.substr(query);
  return head + "/" + db + tail;
}

}  // namespace

bool backend_available(DialectKind kind) {
  if (kind == DialectKind::sqlite) return true;
  if (!env(env_var_for(kind)).empty()) return true;
  if (in_ci())
    throw std::runtime_error(fmt::format("CI=true but {} is not set: the {} server must run in CI",
                                         env_var_for(kind), dialect_name(kind)));
  std::cerr << "\n*** SKIP: " << dialect_name(kind) << " tests skipped: " << env_var_for(kind)
            << " is not set (run scripts/test to start the servers) ***\n";
  return false;
}

std::vector<DialectKind> backends_under_test() {
  // Every dialect of the table; those with a server only when it is configured.
  std::vector<DialectKind> out;
  for (const auto& info : dialects())
    if (info.kind == DialectKind::sqlite || backend_available(info.kind)) out.push_back(info.kind);
  return out;
}

TestDatabase::TestDatabase(DialectKind kind) : kind_(kind), dir_(make_temp_dir()) {
  if (kind == DialectKind::sqlite) {
    name_ = dir_ + "/test.db";
    url_ = "sqlite:///" + name_;  // name_ is absolute, so this gives sqlite:////tmp/...
    return;
  }
  admin_url_ = env(env_var_for(kind));
  if (admin_url_.empty()) throw std::runtime_error(fmt::format("{} is not set", env_var_for(kind)));
  name_ = "tsm_t_" + unique_suffix();
  auto admin = backend_for(kind).connect(parse_url(admin_url_), ConnectOptions{});
  const Dialect& d = admin->dialect();
  admin->execute("CREATE DATABASE " + d.quote(name_));
  url_ = with_database(admin_url_, name_);
}

TestDatabase::~TestDatabase() {
  try {
    if (kind_ != DialectKind::sqlite) {
      auto admin = backend_for(kind_).connect(parse_url(admin_url_), ConnectOptions{});
      const Dialect& d = admin->dialect();
      if (kind_ == DialectKind::postgresql)
        admin->execute("DROP DATABASE IF EXISTS " + d.quote(name_) + " WITH (FORCE)");
      else
        admin->execute("DROP DATABASE IF EXISTS " + d.quote(name_));
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  } catch (const std::exception& e) {
    std::cerr << "warning: could not drop test database " << name_ << ": " << e.what() << "\n";
  }
}

std::unique_ptr<Connection> TestDatabase::connect() const {
  ConnectOptions options;
  options.create_if_missing = true;
  return backend_for(kind_).connect(parse_url(url_), options);
}

std::vector<std::string> TestDatabase::column(const std::string& sql) const {
  std::vector<std::string> out;
  for (auto& row : connect()->query(sql)) out.push_back(row.empty() || !row[0] ? "NULL" : *row[0]);
  return out;
}

}  // namespace tsm::test
