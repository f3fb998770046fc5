// Starting one program instance for one connection.
#pragma once

#include <sys/types.h>

namespace socketbox::inetd {

// Forks; the child starts a new session, gets conn as stdin and stdout
// (stderr stays), default signal handling and mask, and execs argv. The
// parent's copy of conn is left to the caller. Returns the pid or -1/errno.
pid_t spawn_for_connection(int conn, char* const* argv);

}  // namespace socketbox::inetd
