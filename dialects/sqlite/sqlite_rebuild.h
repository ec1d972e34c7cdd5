#pragma once
// SQLite's documented 12-step table rebuild (https://www.sqlite.org/lang_altertable.html#otheralter)
// for what ALTER TABLE cannot do: alter a column's type/nullability/default, add a foreign key or
// a check, drop a column that an index, key, check or trigger uses.
//
//   PRAGMA foreign_keys=OFF                      (outside the transaction: a no-op inside one)
//   CREATE TABLE "_tsm_new_<t>" (…)              the table as the replayed schema has it after the
//                                                change: every CHECK kept, named or not
//   INSERT INTO "_tsm_new_<t>" (…) SELECT … FROM "<t>"   rowids kept (integer pk or rowid copied),
//                                                so an external-content FTS index stays valid
//   sqlite_sequence carried over                 AUTOINCREMENT never reuses an old id
//   DROP TABLE "<t>"                             foreign_keys=OFF: no ON DELETE CASCADE fires
//   PRAGMA legacy_alter_table=ON; ALTER TABLE … RENAME TO "<t>"; PRAGMA legacy_alter_table=OFF
//                                                legacy rename leaves views and other tables'
//                                                triggers alone: they name "<t>", which is back
//   CREATE INDEX …, FTS sync triggers            from the replayed schema
//   PRAGMA foreign_key_check("<t>") and its child tables — the SQLite connection fails the
//                                                statement when the check returns any row
//   PRAGMA foreign_keys=ON                       (outside the transaction)
//
// Limitation: triggers on <t> that the revisions did not create through the operations API (raw
// SQL) are dropped with the old table and not recreated; views are kept (but a view selecting a
// dropped column fails when used, as it would after a native DROP COLUMN).
#include <map>
#include <string>
#include <vector>

#include "core/dialect.h"

namespace tsm::sqlite {

class SqliteDialect;

// `renamed` maps a column's new name to its old one (alter_column with new_name).
std::vector<Statement> rebuild_table(const SqliteDialect& d, const Schema& before, const Schema& after,
                                     const std::string& table, const std::map<std::string, std::string>& renamed = {});

// Whether ALTER TABLE … DROP COLUMN works for this column in SQLite 3.40 (no key, unique, index,
// foreign key, check, FTS trigger uses it); otherwise the caller rebuilds.
bool can_drop_column_natively(const Schema& before, const std::string& table, const std::string& column);
// Whether ALTER TABLE … ADD COLUMN accepts the column (no key, constant default, NOT NULL only
// with a default).
bool can_add_column_natively(const Column& column);

}  // namespace tsm::sqlite
