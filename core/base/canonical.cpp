#include "core/base/canonical.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/base/errors.h"

namespace tsm::canonical {
namespace {

// The value in an error message: quoted, cut after 60 bytes (a 1 MB message stays readable).
std::string shown(std::string_view raw) {
  std::string s(raw.substr(0, 60));
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  return "'" + s + (raw.size() > 60 ? "…'" : "'");
}

[[noreturn]] void bad(const char* type, std::string_view raw) {
  throw UsageError(fmt::format("{} is not a valid {} value", shown(raw), type));
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}
unsigned days_in_month(std::int64_t y, unsigned m) {
  static const unsigned n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : n[m - 1];
}

// Reads exactly `n` digits at `pos`.
bool digits(std::string_view s, std::size_t& pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

// "YYYY-MM-DD" at the start of s; days since the epoch.
bool read_date(std::string_view s, std::size_t& pos, std::int64_t& days) {
  int y, m, d;
  if (!digits(s, pos, 4, y) || pos >= s.size() || s[pos++] != '-' || !digits(s, pos, 2, m) || pos >= s.size() ||
      s[pos++] != '-' || !digits(s, pos, 2, d))
    return false;
  if (y < 1 || m < 1 || m > 12 || d < 1 || static_cast<unsigned>(d) > days_in_month(y, m)) return false;
  days = days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  return true;
}

// Integral floats within ±2^53 become integers, recursively.
void normalize_numbers(nlohmann::json& j) {
  if (j.is_object() || j.is_array()) {
    for (auto& v : j) normalize_numbers(v);
  } else if (j.is_number_float()) {
    double x = j.get<double>();
    if (std::isfinite(x) && x == std::floor(x) && std::fabs(x) <= 9007199254740992.0)
      j = static_cast<std::int64_t>(x);
  }
}

}  // namespace

std::string integer(std::string_view raw) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), v);
  if (ec == std::errc() && end == raw.data() + raw.size() && !raw.empty()) return std::to_string(v);
  // SQLite keeps an integral REAL as REAL in a column without affinity: "5.0".
  double x = 0;
  try {
    x = parse_double(raw);
  } catch (const UsageError&) {
    bad("integer", raw);
  }
  if (!std::isfinite(x) || x != std::floor(x) || std::fabs(x) > 9007199254740992.0) bad("integer", raw);
  return std::to_string(static_cast<std::int64_t>(x));
}

std::string boolean(std::string_view raw) {
  std::string l = lower(raw);
  if (l == "1" || l == "t" || l == "true" || l == "yes" || l == "on" || l == "y") return "1";
  if (l == "0" || l == "f" || l == "false" || l == "no" || l == "off" || l == "n") return "0";
  bad("boolean", raw);
}

double parse_double(std::string_view raw) {
  std::string l = lower(raw);
  std::string_view body = l;
  bool negative = !body.empty() && body[0] == '-';
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) body.remove_prefix(1);
  if (body == "inf" || body == "infinity") return negative ? -HUGE_VAL : HUGE_VAL;
  if (body == "nan") return std::numeric_limits<double>::quiet_NaN();
  double v = 0;
  const char* first = l.data() + (!l.empty() && l[0] == '+' ? 1 : 0);
  auto [end, ec] = std::from_chars(first, l.data() + l.size(), v);
  if (l.empty() || end != l.data() + l.size() || (ec != std::errc() && ec != std::errc::result_out_of_range))
    bad("number", raw);
  if (ec == std::errc::result_out_of_range) v = std::strtod(l.c_str(), nullptr);  // ±HUGE_VAL or a denormal/0
  return v;
}

std::string shortest(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  if (value == 0) return "0";  // -0 too: MariaDB prints it as 0, so no backend could compare it
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  (void)ec;
  return std::string(buf, end);
}

std::int64_t parse_timestamp(std::string_view raw) {
  std::size_t pos = 0;
  std::int64_t days = 0;
  if (!read_date(raw, pos, days)) bad("timestamp", raw);
  int h = 0, mi = 0, s = 0;
  std::int64_t micros = 0;
  if (pos < raw.size() && (raw[pos] == ' ' || raw[pos] == 'T' || raw[pos] == 't') && pos + 1 < raw.size() &&
      std::isdigit(static_cast<unsigned char>(raw[pos + 1]))) {
    ++pos;
    if (!digits(raw, pos, 2, h) || pos >= raw.size() || raw[pos++] != ':' || !digits(raw, pos, 2, mi)) bad("timestamp", raw);
    if (pos < raw.size() && raw[pos] == ':') {
      ++pos;
      if (!digits(raw, pos, 2, s)) bad("timestamp", raw);
      if (pos < raw.size() && raw[pos] == '.') {
        ++pos;
        std::size_t n = 0;
        while (pos < raw.size() && std::isdigit(static_cast<unsigned char>(raw[pos]))) {
          if (n < 6) micros = micros * 10 + (raw[pos] - '0');
          ++n;
          ++pos;
        }
        if (n == 0 || n > 9) bad("timestamp", raw);
        for (std::size_t i = n; i < 6; ++i) micros *= 10;
      }
    }
    if (h > 23 || mi > 59 || s > 59) bad("timestamp", raw);
  }
  std::int64_t offset = 0;  // seconds east of UTC
  std::string_view zone = raw.substr(pos);
  if (!zone.empty() && zone[0] == ' ') zone.remove_prefix(1);
  if (zone == "Z" || zone == "z" || zone == "UTC" || zone == "GMT") {
    zone = {};
  } else if (!zone.empty() && (zone[0] == '+' || zone[0] == '-')) {
    int sign = zone[0] == '-' ? -1 : 1, oh = 0, om = 0, os = 0;
    std::size_t p = 1;
    if (!digits(zone, p, 2, oh)) bad("timestamp", raw);
    if (p < zone.size() && zone[p] == ':') ++p;
    if (p < zone.size() && !digits(zone, p, 2, om)) bad("timestamp", raw);
    if (p < zone.size() && zone[p] == ':') ++p;
    if (p < zone.size() && !digits(zone, p, 2, os)) bad("timestamp", raw);
    if (p != zone.size() || oh > 15 || om > 59 || os > 59) bad("timestamp", raw);
    offset = sign * (oh * 3600 + om * 60 + os);
    zone = {};
  }
  if (!zone.empty()) bad("timestamp", raw);
  std::int64_t seconds = days * 86400 + h * 3600 + mi * 60 + s - offset;
  std::int64_t out = seconds * 1000000 + micros;
  if (out < -62135596800000000LL || out > 253402300799999999LL) bad("timestamp", raw);  // years 1..9999 in UTC
  return out;
}

std::string format_timestamp(std::int64_t micros) {
  std::int64_t seconds = micros >= 0 ? micros / 1000000 : -((-micros + 999999) / 1000000);
  std::int64_t frac = micros - seconds * 1000000;
  std::int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
  std::int64_t sod = seconds - days * 86400;
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}", y, m, d, sod / 3600, sod / 60 % 60, sod % 60, frac);
}

std::string timestamp(std::string_view raw) { return format_timestamp(parse_timestamp(raw)); }

std::int64_t parse_date(std::string_view raw) {
  std::size_t pos = 0;
  std::int64_t days = 0;
  if (!read_date(raw, pos, days) || pos != raw.size()) bad("date", raw);
  return days;
}

std::string format_date(std::int64_t days) {
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  return fmt::format("{:04}-{:02}-{:02}", y, m, d);
}

std::string date(std::string_view raw) { return format_date(parse_date(raw)); }

std::string hex(std::string_view bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    auto b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = digits[b >> 4];
    out[2 * i + 1] = digits[b & 15];
  }
  return out;
}

std::string unhex(std::string_view text) {
  auto nibble = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    bad("hex blob", text);
  };
  if (text.size() % 2) bad("hex blob", text);
  std::string out(text.size() / 2, '\0');
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<char>(nibble(text[2 * i]) << 4 | nibble(text[2 * i + 1]));
  return out;
}

std::string json(std::string_view raw) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(raw.begin(), raw.end());
  } catch (const nlohmann::json::exception& e) {
    throw UsageError(fmt::format("{} is not valid JSON: {}", shown(raw), e.what()));
  }
  normalize_numbers(j);
  try {
    return j.dump();
  } catch (const nlohmann::json::exception& e) {
    throw UsageError(fmt::format("{} is not valid JSON: {}", shown(raw), e.what()));
  }
}

std::string value(TypeKind kind, std::string_view raw) {
  switch (kind) {
    case TypeKind::integer:
    case TypeKind::big_integer: return integer(raw);
    case TypeKind::boolean: return boolean(raw);
    case TypeKind::real:
    case TypeKind::double_: return shortest(parse_double(raw));
    case TypeKind::text:
    case TypeKind::string: return std::string(raw);
    case TypeKind::timestamp: return timestamp(raw);
    case TypeKind::date: return date(raw);
    case TypeKind::blob: return hex(raw);
    case TypeKind::json: return json(raw);
  }
  return std::string(raw);
}


}  // namespace tsm::canonical
