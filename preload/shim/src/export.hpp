// The library is built with hidden visibility; only the wrapped libc
// functions are exported (and so interpose on the program's calls).
#pragma once

#define SB_HOOK extern "C" __attribute__((visibility("default")))
