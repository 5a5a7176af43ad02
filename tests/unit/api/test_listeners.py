"""`serve --workers N`: the supervisor holds the address; each worker listens on its own."""

from __future__ import annotations

import pickle
import socket

import pytest

from strongroom.api import listeners


def _listening(sock: socket.socket) -> bool:
    return bool(sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN))


def test_the_held_address_takes_no_connections_and_each_unpickled_copy_listens() -> None:
    held = listeners.hold("127.0.0.1", 0)
    port = held.getsockname()[1]
    try:
        assert not _listening(held)  # no connection can wait on the supervisor's socket
        # What uvicorn's supervisor does for each worker it spawns: pickle its sockets.
        first, second = (pickle.loads(pickle.dumps(held)) for _ in range(2))
        try:
            for own in (first, second):
                assert type(own) is socket.socket and own.fileno() != held.fileno()
                assert own.getsockname() == ("127.0.0.1", port) and _listening(own)
                assert own.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT)
            with socket.create_connection(("127.0.0.1", port), timeout=5):
                pass  # the kernel hands it to one of the two listeners
        finally:
            first.close()
            second.close()
    finally:
        held.close()


def test_an_address_another_program_listens_on_is_refused() -> None:
    taken = socket.create_server(("127.0.0.1", 0))  # no SO_REUSEPORT
    try:
        with pytest.raises(OSError):
            listeners.hold("127.0.0.1", taken.getsockname()[1])
    finally:
        taken.close()
