// Registers the MariaDB/MySQL backend with core.
#include "dialects/mariadb/mariadb_connection.h"
#include "dialects/mariadb/mariadb_dialect.h"

namespace tsm::mariadb {
namespace {

const BackendRegistration registration{Backend{
    DialectKind::mariadb,
    []() -> const Dialect& { return dialect(); },
    [](const DatabaseUrl& url, const ConnectOptions& options) -> std::unique_ptr<Connection> {
      return std::make_unique<MariaDbConnection>(url, options);
    }}};

}  // namespace
}  // namespace tsm::mariadb
