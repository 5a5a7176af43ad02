"""A listening socket of its own for each worker of `serve --workers N` (Linux).

uvicorn's supervisor binds one socket and hands it to every worker. On Linux a new
connection on a shared socket goes to whichever worker accepts first, and an idle worker
accepts everything that is waiting: the 8 keep-alive connections of a CRM's pool all landed on
one of two workers in the API benchmark (docs/benchmarks.md), which then served them alone.

With `SO_REUSEPORT` each worker listens on a socket of its own on the same address, and the
kernel spreads new connections over the listening ones by a hash of the connection's
addresses. How:
- The supervisor holds the address (`hold`): bound, never listening, so no connection waits
  on it. It first makes sure nothing is there, an earlier server's worker included:
  SO_REUSEPORT alone would share the port with it silently. (One gap: a worker still
  starting whose supervisor has died is not seen; it keeps SO_REUSEADDR, without which its
  listen could fail on an earlier server's connections in TIME_WAIT.)
- uvicorn's supervisor starts each worker, and each one it restarts, as a new process (spawn)
  and passes it its sockets by pickling them. `OwnSocketEach` pickles as its address: each
  worker unpickles a socket of its own, bound to it, not yet listening. The server listens
  once the app has started (asyncio's and uvloop's `create_server(sock=...)` call `listen`),
  so no connection is handed to a worker still importing the app.

What it costs: connections already queued on a worker's socket when that worker stops (a
restart, SIGHUP, SIGTTOU) are reset, where a shared socket would leave them to the others,
unless the kernel migrates them (`net.ipv4.tcp_migrate_req=1`, Linux 5.14+). And any process
of the same user may bind the port with SO_REUSEPORT too and take a share of the connections:
run Strongroom under a user of its own (that user can read the key file anyway).

Elsewhere (macOS and the BSDs do not spread TCP connections over such sockets) `serve` keeps
uvicorn's one shared socket.
"""

from __future__ import annotations

import errno
import logging
import socket
import sys
from typing import Any

from uvicorn.config import STARTUP_FAILURE

from strongroom.errors import CannotListen

log = logging.getLogger("uvicorn.error")


def supported() -> bool:
    """True where the kernel spreads connections over SO_REUSEPORT listeners (Linux)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def bound_own(family: int, address: tuple[Any, ...]) -> socket.socket:
    """A socket bound to `address` (as `getsockname` gives it, an IPv6 scope included) that
    shares it with the others of its user (SO_REUSEPORT), not listening yet. Raises
    OSError."""
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        _bind_shared(sock, address)
    except OSError:
        sock.close()
        raise
    return sock


def _bind_shared(sock: socket.socket, address: tuple[Any, ...]) -> None:
    """Bind with SO_REUSEADDR (an earlier server's connections in TIME_WAIT) and SO_REUSEPORT
    (the others of this server). Raises OSError."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)


def _in_worker(family: int, address: tuple[Any, ...]) -> socket.socket:
    """`bound_own`, run by unpickling in a new worker. A failure exits with uvicorn's
    STARTUP_FAILURE, on which its supervisor stops instead of restarting the worker forever."""
    try:
        return bound_own(family, address)
    except OSError as exc:
        log.error("a worker could not bind its own socket on %s: %s", address[:2], exc)
        sys.exit(STARTUP_FAILURE)


class OwnSocketEach(socket.socket):
    """The supervisor's hold on the address; each process it is pickled to gets a socket of
    its own on it instead (`bound_own`)."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (_in_worker, (self.family, self.getsockname()))


def hold(host: str, port: int) -> OwnSocketEach:
    """The address bound with SO_REUSEPORT but not listening: it keeps the port (a random
    one when `port` is 0) for the workers' own sockets, which alone may share it. Raises
    CannotListen when something is there already (an earlier server's worker, listening or
    still starting, included), or the address cannot be bound."""
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    try:
        family, _, _, _, address = socket.getaddrinfo(
            host, port, 0, socket.SOCK_STREAM, 0, socket.AI_PASSIVE
        )[0]
    except OSError as exc:
        raise CannotListen(f"cannot listen on {where}: {exc.strerror or exc}") from exc
    # The probe, without SO_REUSEPORT, fails on any listener, one with SO_REUSEPORT included.
    # The held socket then gives up SO_REUSEADDR once bound, so another `hold` fails on it
    # too, as does any socket but a worker's (SO_REUSEPORT, same user). The probe is closed
    # only after, so no one binds between the two.
    probe = socket.socket(family, socket.SOCK_STREAM)
    sock = OwnSocketEach(family, socket.SOCK_STREAM)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(address)
        _bind_shared(sock, probe.getsockname())
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 0)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise CannotListen(
                f"cannot listen on {where}: it is in use. Is another server (or a worker of "
                "an earlier one) running there? Stop it, or choose another --port."
            ) from exc
        raise CannotListen(f"cannot listen on {where}: {exc.strerror or exc}") from exc
    finally:
        probe.close()
    return sock
