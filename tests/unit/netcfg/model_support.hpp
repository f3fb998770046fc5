// What netcfg's model tests share: a prefix from text and changes as lines.
#pragma once

#include <string>
#include <vector>

#include "socketbox/netcfg/model.hpp"

namespace model_test {

inline socketbox::netcfg::Prefix P(const char* s) { return *socketbox::netcfg::Prefix::parse(s); }

// Each change as to_string() writes it ("+ ...", "- ...", "~ ...").
inline std::vector<std::string> lines(const std::vector<socketbox::netcfg::Change>& changes) {
  std::vector<std::string> out;
  for (const auto& c : changes) out.push_back(to_string(c));
  return out;
}

}  // namespace model_test
