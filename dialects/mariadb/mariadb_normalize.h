#pragma once
// Normalized forms shared by MariaDbDialect::describe (expected schema) and
// MariaDbConnection::introspect (live schema), so the two compare equal for the same schema.
#include <optional>
#include <string>

#include "core/model/ops.h"

namespace tsm::mariadb {

// "int", "bigint", "tinyint(1)", "double", "text", "varchar(64)", "datetime(6)", "date",
// "longblob", "json".
std::string normalized_type(const ColumnType& type);
// From information_schema COLUMN_TYPE (MariaDB shows display widths: int(11), bigint(20)).
std::string normalize_live_type(const std::string& column_type, bool is_json_checked);

// Normalized default of a portable column ("" when none).
std::string normalized_default(const Column& column);
// From information_schema COLUMN_DEFAULT. MariaDB 10.2.7+ quotes literals ('INFO'), shows
// current_timestamp(6) and the string NULL for "default null"; MySQL 8 shows raw text.
std::string normalize_live_default(const std::optional<std::string>& column_default, const std::string& type,
                                   bool mysql_style);

// Canonical text of a number ("1", "1.5"), so 1.0 and 1 compare equal.
std::string canonical_number(double value);
// An index column as described: "col", or "col(255)" for a prefix index part.
std::string index_part(const std::string& column, std::optional<int> prefix);
// Whether InnoDB can index the type whole (false for TEXT, BLOB, JSON).
bool indexable_whole(const ColumnType& type);

}  // namespace tsm::mariadb
