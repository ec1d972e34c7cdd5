// Registers the MariaDB/MySQL backend with core.
#include "dialects/mariadb/mariadb_connection.h"
#include "dialects/mariadb/mariadb_dialect.h"

namespace tsm {
namespace {

const BackendRegistration registration{Backend{
    DialectKind::mariadb,
    []() -> const Dialect& { return mariadb_dialect(); },
    [](const DatabaseUrl& url, const ConnectOptions& options) -> std::unique_ptr<Connection> {
      return std::make_unique<MariaDBConnection>(url, options);
    }}};

}  // namespace
}  // namespace tsm
