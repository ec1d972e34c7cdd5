// Registers the PostgreSQL backend with core (see core/dialect.h).
#include "core/dialect.h"
#include "dialects/postgresql/postgresql_connection.h"
#include "dialects/postgresql/postgresql_dialect.h"

namespace {

const tsm::Dialect& postgresql_dialect() { return tsm::postgresql::dialect(); }

std::unique_ptr<tsm::Connection> postgresql_connect(const tsm::DatabaseUrl& url, const tsm::ConnectOptions& options) {
  return std::make_unique<tsm::postgresql::PostgresConnection>(url, options);
}

const tsm::BackendRegistration registration{
    tsm::Backend{tsm::DialectKind::postgresql, postgresql_dialect, postgresql_connect}};

}  // namespace
