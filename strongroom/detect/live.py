"""The live auditor: the shipped detectors over the instance's own ledger.

What this module guarantees:

- `watch_once` judges every ledger entry after the stored cursor, `BATCH` entries at a time,
  in ledger order. Each batch ends in one transaction that moves the cursor past the batch
  and stores the batch's new alerts, each with its `alert.raise` ledger entry
  (`alerts.raise_alerts`): all of it or none. The cursor moves only from where it was read
  (compare and set), so two watchers never both store a batch: the slower one drops its work.
- The auditor (the detectors' baselines and the one-alert-per-incident memory) lives in
  memory in a `Watcher`, for as long as a long-running watcher (`strongroom serve`,
  `strongroom detect watch`) holds it, so it learns as the ledger grows; `watcher_for` finds
  the one held for an instance.
- Cold start: a fresh process rebuilds the auditor by replaying the ledger before the cursor,
  as far back as `WARMUP` of ledger time and at most `MAX_REPLAY` entries, with what the replay
  raises dropped (it was judged when it happened). The replay also restores the memory of
  recent alerts, so an incident under way at a restart is not raised again; baselines that
  need more history than the window start thinner. The first watch of an instance starts at
  the ledger's first entry.
- When the cursor is ahead of what this process has judged (another watcher moved it), the gap
  is replayed the same way; when judging or storing a batch fails, the auditor is dropped (it
  has seen events whose judgement was not stored) and rebuilt on the next call. No entry is
  ever skipped: a detector that fails on an entry every time stops the watcher there, and
  every round says so, until it is fixed.
- The live stream never ends, so the detectors' `finish` is never called.
- Nothing here logs or stores a customer's value: events carry subject ids and field names.

One watcher per instance is the intended deployment (serve's, or `detect watch` with serve's
switched off); two are safe, but each then replays what the other judged.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from datetime import timedelta

from strongroom.detect.alert import Alert
from strongroom.detect.alerts import StoredAlert, raise_alerts
from strongroom.detect.auditor import Auditor
from strongroom.detect.detectors.interface import Detector
from strongroom.detect.events import parse_time
from strongroom.detect.ledger_events import ledger_events
from strongroom.detect.store_context import StoreContext
from strongroom.errors import StoreUnavailable, StrongroomError
from strongroom.instance import Instance
from strongroom.store.engine import Row, Tx, now, transaction

BATCH = 2000
WARMUP = timedelta(days=14)
MAX_REPLAY = 200_000
CURSOR = "ledger"

log = logging.getLogger("strongroom.detect")

DetectorFactory = Callable[[], Sequence[Detector]]

_READ = "SELECT next_index FROM detect_cursor WHERE name = ?"
_MOVE = "UPDATE detect_cursor SET next_index = ?, updated_at = ? WHERE name = ? AND next_index = ?"
_ROWS = "SELECT seq, body FROM audit_entries WHERE seq >= ? AND seq < ? ORDER BY seq"


class _Lost(Exception):
    """Another watcher moved the cursor first; never leaves this module."""


class Watcher:
    """One process's auditor over one instance's ledger. Thread-safe: one batch at a time."""

    def __init__(
        self,
        inst: Instance,
        detectors: DetectorFactory | None = None,
        *,
        batch: int = BATCH,
        warmup: timedelta = WARMUP,
        max_replay: int = MAX_REPLAY,
    ) -> None:
        self.inst = inst
        self.ctx = StoreContext(inst)
        self.batch = batch
        self.warmup_s = warmup.total_seconds()
        self.max_replay = max_replay
        self._detectors = detectors
        self._auditor: Auditor | None = None
        self._seen = 0  # the auditor has been fed every entry below this index
        self._lock = threading.Lock()

    def once(self) -> list[StoredAlert]:
        """Judge every entry after the cursor; the alerts stored, oldest first.
        Raises StoreUnavailable (nothing of the failed batch is stored)."""
        with self._lock:
            raised: list[StoredAlert] = []
            while True:
                stored, more = self._step()
                raised.extend(stored)
                if not more:
                    return raised

    def cursor(self) -> int:
        """The index of the next ledger entry to judge."""
        with transaction(self.inst.data, read_only=True) as tx:
            row = tx.one(_READ, (CURSOR,))
        if row is None:
            raise StoreUnavailable(
                "the live auditor's cursor is missing: the data store was not fully migrated"
            )
        return int(row[0])

    # One batch -----------------------------------------------------------------------------

    def _step(self) -> tuple[list[StoredAlert], bool]:
        cursor = self.cursor()
        try:
            auditor = self._ready(cursor)
            rows = self._rows(cursor, cursor + self.batch)
            if not rows:
                return [], False
            alerts = self._judge(auditor, rows)
            end = int(rows[-1][0]) + 1
            with transaction(self.inst.data) as tx:
                if tx.run(_MOVE, (end, now(), CURSOR, cursor)) != 1:
                    raise _Lost
                stored = raise_alerts(tx, alerts)
        except _Lost:
            self._seen = end  # _ready replays or rebuilds from the cursor the winner left
            return [], True
        except BaseException:
            self._auditor = None
            raise
        self._seen = end
        for s in stored:
            log.info("alert %s raised: %s (%s) for %s", s.id, s.scenario, s.severity, s.actor)
        return stored, len(rows) == self.batch

    def _ready(self, cursor: int) -> Auditor:
        """The auditor, fed every entry below `cursor`."""
        if self._auditor is not None and not 0 <= cursor - self._seen <= self.max_replay:
            self._auditor = None
        if self._auditor is None:
            self._auditor = Auditor(
                self.ctx, list(self._detectors()) if self._detectors is not None else None
            )
            self._seen = self._warm_start(cursor)
            if self._seen < cursor:
                log.info("detect: replaying ledger %d..%d for the baseline", self._seen, cursor - 1)
        while self._seen < cursor:
            rows = self._rows(self._seen, min(cursor, self._seen + self.batch))
            if not rows:
                break
            self._judge(self._auditor, rows)  # judged when they happened: alerts dropped
            self._seen = int(rows[-1][0]) + 1
        return self._auditor

    def _judge(self, auditor: Auditor, rows: Sequence[Row]) -> list[Alert]:
        events = list(ledger_events((int(seq), body) for seq, body in rows))
        self.ctx.prepare(events)
        out: list[Alert] = []
        for seen in events:
            e = self.ctx.complete(seen)
            self.ctx.focus(e.tenant)
            out.extend(auditor.feed(e))
        return out

    def _rows(self, start: int, stop: int) -> list[Row]:
        with transaction(self.inst.data, read_only=True) as tx:
            return tx.all(_ROWS, (start, stop))

    def _warm_start(self, cursor: int) -> int:
        """The first index within WARMUP of ledger time before the cursor (at most
        MAX_REPLAY entries back); entries are in time order, give or take a request."""
        if cursor == 0:
            return 0
        with transaction(self.inst.data, read_only=True) as tx:
            target = _time_of(tx, cursor - 1) - self.warmup_s
            lo, hi = max(0, cursor - self.max_replay), cursor - 1
            while lo < hi:
                mid = (lo + hi) // 2
                if _time_of(tx, mid) < target:
                    lo = mid + 1
                else:
                    hi = mid
        return lo


def _time_of(tx: Tx, index: int) -> float:
    row = tx.one("SELECT body FROM audit_entries WHERE seq = ?", (index,))
    if row is None:
        raise StoreUnavailable(f"ledger entry {index} is missing: verify the ledger")
    return parse_time(json.loads(row[0]).get("ts"))


# Held weakly: a watcher lives as long as someone watches with it (serve's loop, `watch`), and
# never keeps a closed instance's engines alive.
_WATCHERS: weakref.WeakValueDictionary[int, Watcher] = weakref.WeakValueDictionary()
_WATCHERS_LOCK = threading.Lock()


def watcher_for(inst: Instance) -> Watcher:
    """This process's watcher of `inst` (one per data store engine), made when none is held."""
    with _WATCHERS_LOCK:
        w = _WATCHERS.get(id(inst.data))
        if w is None or w.inst is not inst:
            w = Watcher(inst)
            _WATCHERS[id(inst.data)] = w
        return w


def watch_once(inst: Instance) -> list[StoredAlert]:
    """Judge the ledger after the cursor with this process's watcher of `inst` (a cold one
    when nobody is watching with one); the alerts stored. Raises StoreUnavailable."""
    return watcher_for(inst).once()


def watch(
    inst: Instance,
    interval: float,
    on_raised: Callable[[list[StoredAlert]], None] | None = None,
    *,
    rounds: int | None = None,
) -> None:
    """Watch every `interval` seconds (forever, or `rounds` times). A store that fails is
    reported on the `strongroom.detect` logger and tried again next round."""
    w = watcher_for(inst)
    done = 0
    while rounds is None or done < rounds:
        if done:
            time.sleep(interval)
        done += 1
        try:
            raised = w.once()
        except StrongroomError as exc:
            log.warning("detect: watching failed (%s); trying again in %gs", exc.kind, interval)
            continue
        if raised and on_raised is not None:
            on_raised(raised)
