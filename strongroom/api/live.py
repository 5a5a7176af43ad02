"""The live auditor inside `strongroom serve`: the app's lifespan runs `keep_watching`, which
judges the ledger's new entries every `STRONGROOM_DETECT_INTERVAL` seconds (default 5; 0 turns
it off) with this process's watcher (`detect.live`).

The watcher runs on a worker thread of its own, never on the event loop, one batch at a time.
An error never stops the server nor the watching: it is logged on `strongroom.detect` by kind
and type only (an exception's text may quote a value), and the next round tries again. At
shutdown the round under way finishes before the instance is closed.
"""

from __future__ import annotations

import logging
import math
import os
import traceback

import anyio
import anyio.to_thread

from strongroom.detect import live
from strongroom.errors import BadInput, StrongroomError
from strongroom.instance import Instance

INTERVAL_ENV = "STRONGROOM_DETECT_INTERVAL"
DEFAULT_INTERVAL_S = 5.0

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


async def keep_watching(inst: Instance, interval: float) -> None:
    """Watch `inst`'s ledger every `interval` seconds until cancelled."""
    watcher = live.watcher_for(inst)
    limiter = anyio.CapacityLimiter(1)  # its own thread: requests keep the whole pool
    while True:
        await anyio.sleep(interval)
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
