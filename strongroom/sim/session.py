"""A session: one actor at one device, and the event lines it leaves.

What this module guarantees:

- Every line is one JSON object in the ingest schema of `strongroom.detect.events`, keys in the
  schema's order, optional keys (subject, ticket, fields) left out when not applicable.
- Every line begins `{"ts":"YYYY-MM-DDTHH:MM:SSZ"`, so sorting lines as text sorts them by time.
  The writer relies on this: it never parses a line back.
- Values are made by the simulator (ids, field names), never typed by a person, so they hold no
  quote or backslash and are written without escaping. `Session` refuses any that would.

Times are whole seconds since the epoch (UTC). Formatting a time is a table look-up: at ten
million lines a run, `datetime.strftime` would be a third of the run time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

START = datetime(2026, 10, 5, tzinfo=UTC)  # a Monday: day 0 of every run
T0 = int(START.timestamp())
DAY_S = 86_400
HOUR_S = 3_600
MINUTE_S = 60
PREFIX_LEN = len('{"ts":"2026-10-05T06:12:03Z"')  # the sortable head of every event line

# Runs may reach a little before day 0 (early logins) and after the last day (overtime).
_DAYS_BEFORE = 2
_DAYS_AFTER = 8  # tickets left open close up to three days after their last contact


class Clock:
    """RFC 3339 text for the seconds of a run, by table."""

    def __init__(self, days: int) -> None:
        self._base = T0 - _DAYS_BEFORE * DAY_S
        self._dates = [
            (START + timedelta(days=d - _DAYS_BEFORE)).strftime("%Y-%m-%dT")
            for d in range(days + _DAYS_BEFORE + _DAYS_AFTER)
        ]
        self._times = [
            f"{s // HOUR_S:02d}:{s // MINUTE_S % 60:02d}:{s % 60:02d}Z" for s in range(DAY_S)
        ]

    def stamp(self, ts: int) -> str:
        """`ts` as `YYYY-MM-DDTHH:MM:SSZ`. Raises IndexError for a time outside the run."""
        d, s = divmod(ts - self._base, DAY_S)
        if d < 0:
            raise IndexError("time before the run")
        return self._dates[d] + self._times[s]

    def cutoff(self, ts: int) -> str:
        """The line head below which every line is earlier than `ts` (for bisecting sorted
        lines: a line of exactly `ts` sorts after it)."""
        return '{"ts":"' + self.stamp(ts)


def day_start(day: int) -> int:
    """Epoch seconds of 00:00 UTC on day `day` of the run."""
    return T0 + day * DAY_S


def _safe(value: str) -> str:
    if not value or '"' in value or "\\" in value or not value.isprintable():
        raise ValueError(f"not a plain identifier: {value!r}")
    return value


class Session:
    """One actor signed in at one device and network; formats that actor's events."""

    __slots__ = ("_clock", "_out", "_where", "_who", "actor", "tenant")

    def __init__(
        self,
        clock: Clock,
        out: list[str],
        actor: str,
        role: str,
        tenant: str,
        ip: str,
        device: str,
        site: str,
    ) -> None:
        self._clock = clock
        self._out = out
        self.actor = _safe(actor)
        self.tenant = _safe(tenant)
        self._who = f'"actor":"{self.actor}","role":"{_safe(role)}",'
        self._where = f'"ip":"{_safe(ip)}","device":"{_safe(device)}","site":"{_safe(site)}"'

    def event(
        self,
        ts: int,
        action: str,
        *,
        count: int = 1,
        subject: str | None = None,
        ticket: str | None = None,
        fields: tuple[str, ...] = (),
        tenant: str | None = None,
        denied: bool = False,
    ) -> int:
        """Append one event line; returns `ts`, so callers can keep the times they made."""
        tail = '"outcome":"denied"' if denied else '"outcome":"allowed"'
        if subject is not None:
            tail += f',"subject":"{subject}"'
        if ticket is not None:
            tail += f',"ticket":"{ticket}"'
        if fields:
            tail += ',"fields":["' + '","'.join(fields) + '"]'
        self._out.append(
            f'{{"ts":"{self._clock.stamp(ts)}",{self._who}"tenant":"{tenant or self.tenant}",'
            f'"action":"{action}","count":{count},{self._where},{tail}}}'
        )
        return ts

    # The hot path of honest work, without keyword handling.

    def view(self, ts: int, subject: str, ticket: str | None) -> None:
        """An allowed record.view of `subject`, under `ticket` when there is one."""
        end = f',"ticket":"{ticket}"}}' if ticket else "}"
        self._out.append(
            f'{{"ts":"{self._clock.stamp(ts)}",{self._who}"tenant":"{self.tenant}",'
            f'"action":"record.view","count":1,{self._where},"outcome":"allowed",'
            f'"subject":"{subject}"{end}'
        )

    def login(self, ts: int, failed: bool = False) -> None:
        action = '"login.failed","count":1,' if failed else '"login","count":1,'
        outcome = '"outcome":"denied"}' if failed else '"outcome":"allowed"}'
        self._out.append(
            f'{{"ts":"{self._clock.stamp(ts)}",{self._who}"tenant":"{self.tenant}",'
            f'"action":{action}{self._where},{outcome}'
        )
