// How sb-preload builds LD_PRELOAD: ours first, the rest kept.
#include "socketbox/preload/environment.hpp"

#include <catch2/catch.hpp>

using socketbox::preload::prepend_preload;

TEST_CASE("the library is prepended and existing entries are kept") {
  CHECK(prepend_preload("/l/libsbpreload.so", nullptr) == "/l/libsbpreload.so");
  CHECK(prepend_preload("/l/libsbpreload.so", "") == "/l/libsbpreload.so");
  CHECK(prepend_preload("/l/libsbpreload.so", "/x/liba.so") == "/l/libsbpreload.so:/x/liba.so");
  CHECK(prepend_preload("/l/libsbpreload.so", "/x/liba.so /y/libb.so:/z/libc.so") ==
        "/l/libsbpreload.so:/x/liba.so:/y/libb.so:/z/libc.so");
  // Running sb-preload under sb-preload does not load the library twice.
  CHECK(prepend_preload("/l/libsbpreload.so", "/l/libsbpreload.so:/x/liba.so") ==
        "/l/libsbpreload.so:/x/liba.so");
}
