#pragma once
// What a raw SQL statement can do to the live schema, read from its text alone, for the progress
// record where DDL commits implicitly (MariaDB): whether it commits together with its record (so
// it can never be left in doubt), and which tables or views a DDL statement names (so that an
// in-doubt statement can be judged by those objects alone, not by the whole schema).
//
// Both answers are conservative: anything this reading does not know is "not data" and "no
// targets", and the caller then takes the slow, general path.
#include <optional>
#include <string>
#include <vector>

namespace tsm {

// A table or view name as the statement wrote it: {name} or {schema, name}.
using ObjectName = std::vector<std::string>;

// True for a data statement: INSERT, UPDATE, DELETE, REPLACE, SELECT or WITH first (after
// comments and opening parentheses). None of them commits implicitly, so it commits with the
// progress record written in its transaction. False for anything else, and for any statement
// holding an executable comment (/*! … */, /*M! … */), whose text the server runs.
bool commits_with_record(const std::string& sql);

// The tables and views named by
//   CREATE [OR REPLACE] [TEMPORARY] TABLE | VIEW …, CREATE [UNIQUE|FULLTEXT|SPATIAL] INDEX … ON t,
//   ALTER [ONLINE] [IGNORE] TABLE | VIEW …, DROP [TEMPORARY] TABLE | VIEW a [, b …],
//   DROP INDEX … ON t, RENAME TABLE a TO b [, …], TRUNCATE [TABLE] t
// (view options such as ALGORITHM, DEFINER, SQL SECURITY allowed); nullopt for any other
// statement, a form not listed, or an executable comment. Every effect of these statements shows
// in the definition of an object they name (ALTER TABLE a RENAME TO b: `a` is gone).
std::optional<std::vector<ObjectName>> ddl_targets(const std::string& sql);

}  // namespace tsm
