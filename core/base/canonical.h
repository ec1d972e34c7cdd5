#pragma once
// The portable canonical text of values (see Dialect::canonical in core/dialect.h): parsers
// and printers every dialect shares, so the three backends agree byte for byte. Each parser
// throws UsageError naming the value when it is not of its type.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/base/types.h"

namespace tsm::canonical {

// Decimal int64, re-printed ("007" → "7"); an integral REAL text ("5.0") is accepted.
std::string integer(std::string_view raw);
// "0"/"1" from 0/1, t/f, true/false, yes/no, on/off (any case).
std::string boolean(std::string_view raw);

// Strict double parse (whole text; "Infinity", "-inf", "NaN" accepted in any case).
double parse_double(std::string_view raw);
// The shortest text that round-trips the 8-byte value ("0.1", "1e+21", "Infinity", "NaN"); -0 is "0".
std::string shortest(double value);

// A timestamp as microseconds since 1970-01-01 UTC. Accepts "YYYY-MM-DD", "YYYY-MM-DD HH:MM",
// "YYYY-MM-DD HH:MM:SS" with ' ' or 'T', 1–9 fraction digits (beyond 6 truncated), and a zone:
// none (UTC), "Z", " UTC", "+HH", "+HHMM", "+HH:MM", "+HH:MM:SS" (PostgreSQL's "+00").
std::int64_t parse_timestamp(std::string_view raw);
std::string format_timestamp(std::int64_t micros);  // "YYYY-MM-DD HH:MM:SS.ffffff"
std::string timestamp(std::string_view raw);         // format_timestamp(parse_timestamp(raw))

// A date as days since 1970-01-01: exactly "YYYY-MM-DD" (a valid calendar day, year 1–9999).
std::int64_t parse_date(std::string_view raw);
std::string format_date(std::int64_t days);
std::string date(std::string_view raw);

std::string hex(std::string_view bytes);     // lowercase, two digits a byte
std::string unhex(std::string_view hex);     // UsageError on an odd length or a non-hex digit

// Compact JSON with object keys sorted (bytewise), strings as UTF-8 (only the escapes JSON
// requires), numbers: integers as integers, an integral float within ±2^53 as an integer
// ("1.0", "1e2" → "1", "100": PostgreSQL's jsonb forgets the difference), other floats shortest.
std::string json(std::string_view raw);

// The canonical text of `raw` read as `kind` where the backend's text output is one of the
// forms the parsers above accept; blobs are raw bytes here (PostgreSQL decodes bytea first).
std::string value(TypeKind kind, std::string_view raw);

}  // namespace tsm::canonical
