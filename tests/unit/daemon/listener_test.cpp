#include "listener.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "setup_error.hpp"

using namespace socketbox::daemon;

// Binds only loopback, on an ephemeral port (port 0 is refused on the
// command line but lets the test pick a free one).
namespace {
Options loopback(const std::string& addr) {
  Options o;
  o.listen_address = addr;
  o.port = 0;
  return o;
}
}  // namespace

TEST_CASE("listener: dual-stack, non-blocking, close-on-exec") {
  for (const char* addr : {"127.0.0.1", "::ffff:127.0.0.1", "[::1]", "::1"}) {
    INFO(addr);
    Listener l = open_listener(loopback(addr));
    REQUIRE(l.fd);
    CHECK(l.origin == "bound");
    const std::string d = describe_local(l.fd.get());
    const bool v4 = std::string(addr).find("127.0.0.1") != std::string::npos;
    CHECK(d.rfind(v4 ? "[::ffff:127.0.0.1]:" : "[::1]:", 0) == 0);
    CHECK((fcntl(l.fd.get(), F_GETFL) & O_NONBLOCK) != 0);
    CHECK((fcntl(l.fd.get(), F_GETFD) & FD_CLOEXEC) != 0);
  }
}

TEST_CASE("listener: a bad address is a usage error") {
  try {
    open_listener(loopback("example.org"));
    FAIL("no error");
  } catch (const SetupError& e) {
    CHECK(e.exit_code() == kExitUsage);
    CHECK(std::string(e.what()) ==
          "invalid listen address 'example.org': expected an IPv6 address or a dotted quad");
  }
}

TEST_CASE("listener: -s takes only a listening stream socket") {
  int p[2];
  REQUIRE(pipe(p) == 0);
  Options o;
  o.listen_fd = p[0];
  CHECK_THROWS_WITH(open_listener(o),
                    Catch::StartsWith("listen fd " + std::to_string(p[0]) + " is not a socket"));
  close(p[0]);
  close(p[1]);

  const int s = socket(AF_INET6, SOCK_STREAM, 0);
  o.listen_fd = s;
  CHECK_THROWS_WITH(open_listener(o), Catch::Contains("is not a listening stream socket"));

  // A listening one is adopted, and made non-blocking.
  Listener bound = open_listener(loopback("::1"));
  o.listen_fd = bound.fd.release();
  const Listener l = open_listener(o);
  CHECK(l.fd.get() == o.listen_fd);
  CHECK(l.origin == "inherited fd " + std::to_string(o.listen_fd));
  CHECK((fcntl(l.fd.get(), F_GETFL) & O_NONBLOCK) != 0);
  close(s);
}
