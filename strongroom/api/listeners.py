"""A listening socket of its own for each worker of `serve --workers N`.

uvicorn's supervisor binds one socket and hands it to every worker. On Linux a new
connection on a shared socket goes to whichever worker accepts first, and an idle worker
accepts everything that is waiting: the 8 keep-alive connections of a CRM's pool all landed on
one of two workers in the API benchmark (docs/benchmarks.md), which then served them alone.

With `SO_REUSEPORT` each worker listens on a socket of its own on the same address, and the
kernel spreads new connections over them by a hash of the connection's addresses. The
supervisor keeps the address (`OwnSocketEach`, bound, never listening, so no connection waits
on it); uvicorn's supervisor starts each worker, and each one it restarts, as a new process
(spawn) and passes it its sockets by pickling them, and this one pickles as the address:
unpickled, it opens the worker's own listener. A worker that dies takes the connections
waiting on its socket with it, where a shared socket would leave them to the others.
"""

from __future__ import annotations

import socket
from typing import Any

BACKLOG = 2048  # uvicorn's default


def listen_own(family: int, host: str, port: int, backlog: int = BACKLOG) -> socket.socket:
    """A listening socket on (host, port) that shares the address with the others of its
    user (SO_REUSEPORT). Raises OSError."""
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class OwnSocketEach(socket.socket):
    """The supervisor's hold on the address; each process it is pickled to gets a listener
    of its own on it instead (`listen_own`)."""

    def __reduce__(self) -> tuple[Any, ...]:
        host, port = self.getsockname()[:2]
        return (listen_own, (self.family, host, port))


def reuse_port_supported() -> bool:
    return hasattr(socket, "SO_REUSEPORT")


def hold(host: str, port: int) -> OwnSocketEach:
    """The address bound with SO_REUSEPORT but not listening: it keeps the port (a random
    one when `port` is 0) for the workers' own listeners, and no connection waits on it.
    Raises OSError (the address is taken, or cannot be bound)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = OwnSocketEach(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock
