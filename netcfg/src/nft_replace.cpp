#include <arpa/inet.h>  // glibc's netinet/in.h before the kernel's linux/in.h
#include <linux/netfilter.h>

#include "error.hpp"
#include "nft_batch.hpp"
#include "socketbox/netcfg/kernel.hpp"
#include "socketbox/netcfg/nft_steps.hpp"

namespace socketbox::netcfg {

void replace_nft_table(const NftObjects* objects, std::optional<std::uint32_t> generation) {
  TablePtr bare(nftnl_table_alloc());
  if (!bare) throw_errno("allocating nft table", ENOMEM);
  nftnl_table_set_u32(bare.get(), NFTNL_TABLE_FAMILY, NFPROTO_INET);
  nftnl_table_set_str(bare.get(), NFTNL_TABLE_NAME, kTableName);

  NftBatch batch(generation);
  batch.add_table(bare.get());
  batch.delete_table(bare.get());
  if (objects) {
    batch.add_table(objects->table.get());
    for (const auto& c : objects->chains) batch.add_chain(c.get());
    for (const auto& s : objects->sets) batch.add_set(s.get());
    for (const auto& r : objects->rules) batch.add_rule(r.get());
  }
  batch.commit();
}

}  // namespace socketbox::netcfg
