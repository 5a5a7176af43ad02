"""The auditor: runs every detector over a stream of events, in time order.

It owns no judgement of its own: each detector decides and explains. The auditor only
hands events out, and keeps one actor from being alerted twice for the same scenario within
`quiet_s` (a supervisor wants one alert per incident, not one per event).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from strongroom.detect.alert import Alert
from strongroom.detect.context import Context
from strongroom.detect.detectors.interface import Detector
from strongroom.detect.events import Event

QUIET_S = 8 * 3600.0


def default_detectors() -> list[Detector]:
    """A fresh set of the shipped detectors."""
    from strongroom.detect.detectors.standard import detectors

    return detectors()


class Auditor:
    def __init__(
        self,
        ctx: Context,
        detectors: Sequence[Detector] | None = None,
        quiet_s: float = QUIET_S,
    ) -> None:
        self.ctx = ctx
        self.detectors = list(detectors) if detectors is not None else default_detectors()
        self.quiet_s = quiet_s
        self._last: dict[tuple[str, str], float] = {}
        self.events = 0

    def feed(self, event: Event) -> list[Alert]:
        """The alerts this event raises, after de-duplication."""
        self.events += 1
        out: list[Alert] = []
        for d in self.detectors:
            raised = d.observe(event, self.ctx)
            if raised:
                out.extend(a for a in raised if self._fresh(a))
        return out

    def finish(self) -> list[Alert]:
        out: list[Alert] = []
        for d in self.detectors:
            out.extend(a for a in d.finish(self.ctx) if self._fresh(a))
        return out

    def _fresh(self, a: Alert) -> bool:
        key = (a.actor, a.scenario)
        last = self._last.get(key)
        if last is not None and a.end - last < self.quiet_s:
            return False
        self._last[key] = a.end
        return True


def audit(events: Iterable[Event], ctx: Context) -> Iterator[Alert]:
    """Every alert over `events`, as they are raised, then those pending at the end."""
    auditor = Auditor(ctx)
    for e in events:
        yield from auditor.feed(e)
    yield from auditor.finish()
