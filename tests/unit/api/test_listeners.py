"""`serve --workers N` on Linux: the supervisor holds the address; each worker binds its own
socket on it, which its server listens on once the app has started."""

from __future__ import annotations

import pickle
import socket
import sys

import pytest
from uvicorn.config import STARTUP_FAILURE

from strongroom.api import listeners
from strongroom.errors import CannotListen

pytestmark = pytest.mark.skipif(not listeners.supported(), reason="SO_REUSEPORT spreads on Linux")


def _listening(sock: socket.socket) -> bool:
    return bool(sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN))


def test_the_held_address_takes_no_connections_and_each_worker_binds_its_own() -> None:
    held = listeners.hold("127.0.0.1", 0)
    port = held.getsockname()[1]
    try:
        assert port != 0 and not _listening(held)  # nothing can wait on the supervisor's
        # What uvicorn's supervisor does for each worker it spawns: pickle its sockets.
        first, second = (pickle.loads(pickle.dumps(held)) for _ in range(2))
        try:
            for own in (first, second):
                assert type(own) is socket.socket and own.fileno() != held.fileno()
                assert own.getsockname() == ("127.0.0.1", port)
                assert own.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT)
                # Not listening until its server starts: no connection waits on a worker
                # still importing the app.
                assert not _listening(own)
            with pytest.raises(ConnectionRefusedError):
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
            first.listen()
            second.listen()
            with socket.create_connection(("127.0.0.1", port), timeout=5):
                pass  # the kernel hands it to one of the two
        finally:
            first.close()
            second.close()
    finally:
        held.close()


@pytest.mark.parametrize("reuse_port", [False, True], ids=["another program", "a stale worker"])
def test_an_address_something_listens_on_is_refused(reuse_port: bool) -> None:
    """A worker of an earlier server (SO_REUSEPORT) would otherwise share the port silently
    with the new one, serving its older code and policy."""
    taken = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        if reuse_port:
            taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(CannotListen) as refused:
            listeners.hold("127.0.0.1", port)
        assert f"127.0.0.1:{port}: it is in use" in refused.value.message
        assert "--port" in refused.value.message
    finally:
        taken.close()


def test_a_second_server_cannot_hold_an_address_whose_workers_are_still_starting() -> None:
    """Neither the held socket nor a starting worker's listens yet; a second `serve` must
    still find the address taken, or both would share it once their workers listen."""
    held = listeners.hold("127.0.0.1", 0)
    port = held.getsockname()[1]
    starting = pickle.loads(pickle.dumps(held))  # a worker's socket, bound, not listening
    try:
        with pytest.raises(CannotListen, match="in use"):
            listeners.hold("127.0.0.1", port)
    finally:
        starting.close()
        held.close()


def test_an_address_not_of_this_machine_is_said_so() -> None:
    with pytest.raises(CannotListen) as refused:
        listeners.hold("192.0.2.1", 0)  # TEST-NET-1: never this machine's
    assert "192.0.2.1:0" in refused.value.message and "in use" not in refused.value.message


def test_ipv6_loopback() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    held = listeners.hold("::1", 0)
    try:
        own = pickle.loads(pickle.dumps(held))
        assert own.getsockname()[:2] == ("::1", held.getsockname()[1])
        own.close()
    finally:
        held.close()


def test_a_worker_that_cannot_bind_exits_as_a_failed_start() -> None:
    """uvicorn's supervisor stops on STARTUP_FAILURE; any other exit it restarts forever."""
    taken = socket.create_server(("127.0.0.1", 0))  # no SO_REUSEPORT: nobody may share it
    try:
        with pytest.raises(SystemExit) as exited:
            listeners._in_worker(socket.AF_INET, taken.getsockname())
        assert exited.value.code == STARTUP_FAILURE
    finally:
        taken.close()


def test_elsewhere_the_shared_socket_stays(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert not listeners.supported()
