// The limits a table must stay within, checked once when it is loaded so
// that nothing which loads can fail or stall per connection.
#pragma once

#include <cstdint>

namespace socketbox::table {

// Jumps (jump-map/jump-rule) one lookup may follow. The loader refuses a
// table with a longer chain, and lookup() stops at the same number, so the
// check and the guard cannot disagree. The original socketbox allowed 100
// jumps but only noticed per connection; with its 1000 sets of each kind
// every table it loads stays far below this.
inline constexpr std::uint32_t kMaxJumpChain = 4096;

// 10 million entries at 107 bytes a line: a typical map entry
// ("ip:2001:db8:12:3456::1 port:443 jump-unix:/run/socketbox/vm-12/web.sock")
// is 70-100 bytes, so 1 GiB holds 10 million of them with room to spare.
inline constexpr std::uint64_t kDefaultMaxTableBytes = std::uint64_t{1} << 30;
// Entries are rules, map entries and set headers (rule-set:N, map-set:N):
// each costs memory when built, whatever the file size.
inline constexpr std::uint64_t kDefaultMaxTableEntries = 10'000'000;

// Line numbers, columns and map indexes are 32-bit; limits above these
// cannot be honoured and are refused as options.
inline constexpr std::uint64_t kLargestMaxTableBytes = 0xffffffffULL;
inline constexpr std::uint64_t kLargestMaxTableEntries = 0xfffffffeULL;

// `listener:LPORT jump-unix:PATH` lines one table may hold: sbd holds at
// most this many listening sockets (and systemd's FileDescriptorStoreMax
// in sbd.service is the same number).
inline constexpr std::uint32_t kMaxListeners = 256;

struct LoadLimits {
  std::uint64_t max_bytes = kDefaultMaxTableBytes;      // sbd --max-table-bytes
  std::uint64_t max_entries = kDefaultMaxTableEntries;  // sbd --max-table-entries
};

}  // namespace socketbox::table
