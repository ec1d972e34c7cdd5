#pragma once
// One normalized vocabulary for column types and server defaults, used by describe() (expected
// schema) and introspect() (live schema) so that `check` compares like with like.
//   types:    integer, bigint, boolean, real, double precision, text, varchar(n), timestamptz,
//             date, bytea, jsonb (other live types: format_type() lower-cased, long names shortened)
//   defaults: '' = none; "identity" for GENERATED … AS IDENTITY columns; CURRENT_TIMESTAMP;
//             true/false; numbers in shortest form (1.0 → 1); strings as standard SQL literals
//             'it''s' with casts stripped ('x'::text → 'x', '-1'::integer → -1).
#include <optional>
#include <string>

#include "core/model/ops.h"

namespace tsm::postgresql {

inline constexpr const char* kIdentityDefault = "identity";
inline constexpr const char* kTsvectorColumn = "search_tsv";  // FulltextSpec naming (core/ops.h)

std::string described_type(const ColumnType& type);
std::string described_default(const Column& column);

std::string normalize_type(const std::string& format_type);
std::string normalize_default(const std::string& expression);

// 0/1, true/false, "0"/"1"/"true"/"false" → bool; anything else → nullopt.
std::optional<bool> boolean_default(const DefaultValue& value);
// A double as SQL: 1.0 → 1.0, 2.5e-07 → 2.5e-07, NaN/±inf as quoted special values.
std::string number_sql(double value);
// Shortest round-trip text of a number (used on both sides of the comparison).
std::string canonical_number(double value);

}  // namespace tsm::postgresql
