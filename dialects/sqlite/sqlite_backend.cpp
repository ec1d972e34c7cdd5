// Registers the SQLite backend with core (static initialisation; dialects/ is an OBJECT library).
#include "dialects/sqlite/sqlite_connection.h"
#include "dialects/sqlite/sqlite_dialect.h"

namespace tsm::sqlite {
namespace {

const BackendRegistration registration{Backend{
    DialectKind::sqlite,
    []() -> const Dialect& { return dialect(); },
    [](const DatabaseUrl& url, const ConnectOptions& options) -> std::unique_ptr<Connection> {
      return std::make_unique<SqliteConnection>(url, options);
    },
}};

}  // namespace
}  // namespace tsm::sqlite
