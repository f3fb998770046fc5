// The steps of apply()'s nft transaction one at a time, for the kernel
// part's own sources and for tests that put something between them: build
// the socketbox table as libnftnl objects, read it back, replace it in one
// batch, and follow the commits in between. Its types are libnftnl's and
// libmnl's (handles.hpp), so whoever includes it needs their headers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "socketbox/netcfg/handles.hpp"
#include "socketbox/netcfg/model.hpp"

namespace socketbox::netcfg {

// The socketbox nft table as libnftnl objects: what build_nft makes from a
// DesiredState, what read_nft_table dumps from the kernel, and what
// replace_nft_table loads (so a table read before a change can be put back
// exactly).
struct NftObjects {
  TablePtr table;
  std::vector<ChainPtr> chains;
  std::vector<SetPtr> sets;  // each holds its elements
  std::vector<RulePtr> rules;
};

// Builds the libnftnl objects of the socketbox table for a DesiredState.
// `desired` must be normalized and valid (see normalize(), validate()).
NftObjects build_nft(const DesiredState& desired);

// Follows the nf_tables commits of the current network namespace (the
// NFNLGRP_NFTABLES notifications nft monitor shows), so that a changed
// generation can be told apart: did a commit touch the socketbox table, or
// only other tables? Another tool committing to its own table as fast as it
// can moves the generation all the time, and must not stop an apply.
class NftMonitor {
 public:
  // Subscribes before anything is read: every later commit is seen.
  NftMonitor();

  // Starts a new window: commits seen in full so far no longer count (one
  // whose notifications were seen only in part still does: it may still be
  // changing the table).
  void forget() { touched_ = open_commit_touched_; }

  // Reads the notifications up to the one for generation `gen` (as GETGEN
  // answered after this monitor was made) and says whether, since forget()
  // or construction, no commit touched table inet socketbox and none was
  // missed (a full socket buffer, no notification in time). Conservative:
  // true only when sure.
  bool untouched_through(std::uint32_t gen);

 private:
  void take(const char* buf, std::size_t len);

  MnlSocketPtr nl_;
  std::uint32_t last_gen_ = 0;  // the newest generation whose commit was seen
  bool touched_ = false;
  bool open_commit_touched_ = false;  // by a commit whose NEWGEN has not come yet
};

// Reads the socketbox nft table back from the kernel as libnftnl objects,
// ready to be loaded again by replace_nft_table() (handles stripped).
struct NftSnapshot {
  std::optional<NftObjects> table;  // nullopt: the table does not exist
  std::uint32_t generation = 0;     // nf_tables generation it was read at
};

// The dumps are repeated if the socketbox table changed while they ran, so
// the result is one consistent snapshot (commits to other tables meanwhile
// do not matter). `monitor` (made before the call) follows the commits; the
// caller can ask it later whether any touched the table since the read
// began. nullptr: one is made for the call.
NftSnapshot read_nft_table(NftMonitor* monitor = nullptr);

// The nf_tables generation of the current network namespace (all 32 bits).
std::uint32_t read_nft_generation();

// Replacing the socketbox table as ONE nf_tables transaction.
// In one batch: add the table (so the delete cannot fail when it is absent),
// delete it, then add `objects` (table, chains, sets with elements, rules).
// With objects == nullptr the table is only removed. All or nothing.
// With `generation`, the kernel refuses the batch if the ruleset changed
// since that generation was read (NFNL_BATCH_GENID): a concurrent change is
// never overwritten unseen.
void replace_nft_table(const NftObjects* objects,
                       std::optional<std::uint32_t> generation = std::nullopt);

}  // namespace socketbox::netcfg
