// One nf_tables netlink transaction: messages are collected into an nftnl
// batch, sent with one sendmsg() and acknowledged one by one; the kernel
// applies all of them or none.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "socketbox/netcfg/handles.hpp"

namespace socketbox::netcfg {

class NftBatch {
 public:
  // With `generation`, the batch only applies if the ruleset is still at it.
  explicit NftBatch(std::optional<std::uint32_t> generation = std::nullopt);

  void add_table(const nftnl_table* t);
  void delete_table(const nftnl_table* t);
  void add_chain(const nftnl_chain* c);
  void add_set(nftnl_set* s);  // the set and then its elements
  void add_rule(nftnl_rule* r);

  // Sends the batch and waits for every acknowledgement. Throws NetcfgError
  // naming the first message the kernel refused, with strerror.
  void commit();

 private:
  nlmsghdr* next_header(std::uint16_t type, std::uint16_t flags, std::string what);

  BatchPtr batch_;
  std::uint32_t seq_;
  std::uint32_t begin_seq_;
  std::uint32_t first_seq_;
  std::vector<std::string> what_;  // per message, for error reports
};

}  // namespace socketbox::netcfg
