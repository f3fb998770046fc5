// object_drift(): the kernel against a desired state object by object, so an
// operator reads which rule, set, chain or route is missing or changed
// (diff() instead says what apply would do, in steering terms).
#include <algorithm>
#include <iterator>
#include <string>

#include "diff_parts.hpp"
#include "socketbox/netcfg/model.hpp"
#include "socketbox/netcfg/nft_text.hpp"

namespace socketbox::netcfg {
namespace {

std::string braced(const std::vector<std::string>& elements) {
  std::string out;
  for (const auto& e : elements) out += (out.empty() ? "" : ", ") + e;
  return "{ " + out + " }";
}

std::string describe(const NftItem& item) {
  switch (item.kind) {
    case NftItem::Kind::Chain:
      return "nft chain " + item.name + " (" + item.text + ")";
    case NftItem::Kind::Set:
      return "nft set " + item.name + " " + braced(item.elements);
    case NftItem::Kind::Rule:
      break;
  }
  return "nft rule " + item.text;
}

// Sorted inputs: what `from` has that `to` lacks.
std::vector<std::string> missing_from(const std::vector<std::string>& to,
                                      const std::vector<std::string>& from) {
  std::vector<std::string> out;
  std::set_difference(from.begin(), from.end(), to.begin(), to.end(), std::back_inserter(out));
  return out;
}

std::string describe_change(const NftItem& have, const NftItem& want) {
  switch (want.kind) {
    case NftItem::Kind::Chain:
      return "nft chain " + want.name + ": " + have.text + " instead of " + want.text;
    case NftItem::Kind::Set: {
      std::string out = "nft set " + want.name + ":";
      const auto lacks = missing_from(have.elements, want.elements);
      const auto extra = missing_from(want.elements, have.elements);
      if (!lacks.empty()) out += " missing " + braced(lacks);
      if (!lacks.empty() && !extra.empty()) out += ",";
      if (!extra.empty()) out += " extra " + braced(extra);
      return out;
    }
    case NftItem::Kind::Rule:
      break;
  }
  return "nft rule for @" + want.name + ": " + have.text + " instead of " + want.text;
}

}  // namespace

std::vector<Change> object_drift(const std::optional<DesiredState>& desired,
                                 const KernelState& actual) {
  std::vector<Change> out;
  const std::string table = std::string("nft table ") + kTableFamily + " " + kTableName;
  if (!desired) {
    if (actual.table_present) out.push_back({Change::Kind::Remove, table});
    for (const auto& p : actual.routes) out.push_back({Change::Kind::Remove, route_text(p)});
    if (!actual.table_present)  // then only tagged routes of another shape are in here
      for (const auto& odd : actual.unrecognized) out.push_back({Change::Kind::Remove, odd});
    return out;
  }
  const std::vector<NftItem> want = nft_items(*desired);
  if (!actual.table_present) {
    out.push_back({Change::Kind::Add, table});
  } else {
    std::vector<bool> matched(actual.items.size(), false);
    for (const auto& w : want) {
      std::size_t i = 0;
      while (i < actual.items.size() &&
             (matched[i] || actual.items[i].kind != w.kind || actual.items[i].name != w.name))
        ++i;
      if (i == actual.items.size()) {
        out.push_back({Change::Kind::Add, describe(w)});
        continue;
      }
      matched[i] = true;
      if (!(actual.items[i] == w))
        out.push_back({Change::Kind::Modify, describe_change(actual.items[i], w)});
    }
    for (std::size_t i = 0; i < actual.items.size(); ++i)
      if (!matched[i]) out.push_back({Change::Kind::Remove, describe(actual.items[i])});
  }
  for (const auto& odd : actual.unrecognized) {
    // A set that should be there but lost its rule: the missing rule says it.
    const bool wanted_set = std::any_of(want.begin(), want.end(), [&](const NftItem& w) {
      return w.kind == NftItem::Kind::Set && odd == unused_set_text(w.name);
    });
    if (!wanted_set) out.push_back({Change::Kind::Remove, odd});
  }
  for (auto& c : diff_routes(*desired, actual)) out.push_back(std::move(c));
  return out;
}

}  // namespace socketbox::netcfg
