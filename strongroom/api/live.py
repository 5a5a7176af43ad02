"""The live auditor inside `strongroom serve`: the app's lifespan runs `keep_watching`, which
judges the ledger's new entries every `STRONGROOM_DETECT_INTERVAL` seconds (default 5; 0 turns
it off) with this process's watcher (`detect.live`).

Under `serve --workers N` only one process of the machine watches at a time: the one holding
an exclusive lock on `$STRONGROOM_HOME/run/auditor.lock`. The others keep trying each round,
so when that process dies (the lock goes with it) another takes over from the stored cursor.
Two watchers would not double an alert (the cursor only moves from where it was read), but
each would replay and judge the whole ledger for nothing.

The watcher runs on a worker thread of its own, never on the event loop, one batch at a time.
An error never stops the server nor the watching: it is logged on `strongroom.detect` by kind
and type only (an exception's text may quote a value), and the next round tries again. At
shutdown the round under way finishes before the instance is closed.
"""

from __future__ import annotations

import fcntl
import logging
import math
import os
import traceback
from pathlib import Path

import anyio
import anyio.to_thread

from strongroom.detect import live
from strongroom.errors import BadInput, StrongroomError
from strongroom.instance import Instance

INTERVAL_ENV = "STRONGROOM_DETECT_INTERVAL"
DEFAULT_INTERVAL_S = 5.0
LOCK_FILE = Path("run") / "auditor.lock"

log = logging.getLogger("strongroom.detect")


def detect_interval() -> float:
    """Seconds between rounds from the environment; 0 means off. Raises BadInput for anything
    but a finite number of seconds, 0 or more."""
    text = os.environ.get(INTERVAL_ENV, "").strip()
    if not text:
        return DEFAULT_INTERVAL_S
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:
        raise BadInput(
            f"{INTERVAL_ENV} must be a number of seconds, 0 or more (0 turns the live auditor "
            f"off), not {text[:20]!r}",
            field=INTERVAL_ENV,
        )
    return seconds


class WatchLock:
    """The machine-wide right to watch: an exclusive `flock` held until the process ends (the
    kernel releases it then, however the process ends)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def held(self) -> bool:
        """True once this process holds the lock; otherwise one try, without waiting."""
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None


def load_detectors() -> None:
    """Import the detectors now, at start-up, before the server takes requests. Left to the
    first round, the import (scipy and numpy, ~0.2 s) would hold the GIL on the auditor's
    thread while requests wait, and race any other thread of the process importing numpy."""
    from strongroom.detect.auditor import default_detectors

    default_detectors()


async def keep_watching(inst: Instance, interval: float) -> None:
    """Watch `inst`'s ledger every `interval` seconds until cancelled, while this process
    holds the machine's watch lock."""
    watcher = live.watcher_for(inst)
    limiter = anyio.CapacityLimiter(1)  # its own thread: requests keep the whole pool
    lock = WatchLock(inst.home / LOCK_FILE)
    try:
        await _rounds(watcher, limiter, lock, interval)
    finally:
        lock.release()


async def _rounds(
    watcher: live.Watcher, limiter: anyio.CapacityLimiter, lock: WatchLock, interval: float
) -> None:
    while True:
        await anyio.sleep(interval)
        if not lock.held():
            continue  # another process on this machine watches
        try:
            await anyio.to_thread.run_sync(watcher.once, limiter=limiter)
        except StrongroomError as exc:
            log.warning(
                "live auditor: a round failed (%s, %s); next in %gs",
                exc.kind,
                type(exc).__name__,
                interval,
            )
        except Exception as exc:
            frames = "\n".join(
                f"  {f.filename}:{f.lineno} in {f.name}"
                for f in traceback.extract_tb(exc.__traceback__)
            )
            log.warning(
                "live auditor: a round failed (unexpected %s); next in %gs\n%s",
                type(exc).__name__,
                interval,
                frames,
            )
