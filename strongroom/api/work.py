"""Where a route's service call runs: on the event loop, or on a worker thread.

An instance whose stores are SQLite files and whose root key is the local key file does all of
a request's work in this process, holding the GIL: a masked get is well under a millisecond of
CPU and never waits on a socket. Sending that work to anyio's thread pool buys no parallelism
(the GIL) and costs a hop each way (about 75 µs, and a context switch) plus the contention of
six threads taking the GIL from one another, so such an instance runs it on the loop. An
instance that talks to PostgreSQL or an HSM waits on round trips; there the call goes to the
thread pool, so one slow round trip never stalls every other request.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import ParamSpec, TypeVar

import anyio.to_thread

from strongroom.instance import Instance

P = ParamSpec("P")
T = TypeVar("T")


def in_process(inst: Instance) -> bool:
    """True when every store and the key provider are local files (SQLite, key file)."""
    return (
        inst.data.dialect.name == "sqlite"
        and inst.keys.dialect.name == "sqlite"
        and inst.settings.provider == "keyfile"
    )


async def run(inst: Instance, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`fn(*args, **kwargs)`, on the loop for an in-process instance, else on a worker thread."""
    if in_process(inst):
        return fn(*args, **kwargs)
    return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs))
