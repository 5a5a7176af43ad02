"""What a detector is: it sees every event once, in time order, and may raise alerts.

A detector keeps its own state (bounded per actor: the auditor runs for months) and reads
the context through the `Context` protocol only, so the same detector runs over a file of
events and over the instance's own ledger.
"""

from __future__ import annotations

from typing import Protocol

from strongroom.detect.alert import Alert
from strongroom.detect.context import Context
from strongroom.detect.events import Event


class Detector(Protocol):
    def observe(self, event: Event, ctx: Context) -> list[Alert]:
        """Alerts this event raises (usually none)."""
        ...

    def finish(self, ctx: Context) -> list[Alert]:
        """Alerts still pending when the stream ends."""
        ...
