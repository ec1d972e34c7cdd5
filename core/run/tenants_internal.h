#pragma once
// Pieces shared by the translation units of the tenant fan-out (tenants.cpp lists the tenants,
// tenant_fanout.cpp runs them); not for use outside core/run/.
#include <string>

namespace tsm::tenants_detail {

// The first line of `text`, cut at 1,000 bytes: a tenant's error, a name quoted in a message.
inline std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (line.size() > 1000) line = line.substr(0, 1000) + "…";
  return line;
}

}  // namespace tsm::tenants_detail
