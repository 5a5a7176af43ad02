"""What a batch of shifts does to the shifts already stored: the rota's revisions.

A shift from workforce management is the rota's latest word for its hours. Where it overlaps
a stored shift of the same actor, that shift gives way for those hours and keeps what lies
before and after them; a stored shift that starts when a new one does is that shift re-sent,
and is replaced whole (which is how a shift is shortened). `revise` works this out from the
stored shifts the batch touches, without the store, so the ledger entry of the batch can say,
before anything is changed, which shifts it revised and what is left of each: a shift cut
after the fact is the kind of change an auditor of off-shift access must be able to see.

Times are the store's UTC stamps, which sort as the times they stand for; ends are exclusive.
Stored shifts of one actor do not overlap (a batch that would make them is refused, and a new
shift cuts its hours out of the others). Shifts stored before that rule may: for those, what
the entry says is kept of each is what each kept, and where two kept pieces start at once the
later shift's is stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from strongroom.store.engine import Tx

# At most this many revisions are itemised in one ledger entry; the count is always given.
LISTED = 100


class NewShift(Protocol):
    @property
    def actor(self) -> str: ...
    @property
    def start(self) -> str: ...
    @property
    def end(self) -> str: ...
    @property
    def site(self) -> str: ...


@dataclass(frozen=True)
class Stored:
    actor: str
    start: str
    end: str
    site: str


@dataclass(frozen=True)
class Revision:
    """A stored shift the batch changes, and the pieces of it that remain (none: replaced)."""

    shift: Stored
    kept: tuple[tuple[str, str], ...]

    def to_dict(self) -> dict[str, Any]:
        s = self.shift
        return {
            "actor": s.actor,
            "site": s.site,
            "start": s.start,
            "end": s.end,
            "kept": [{"start": a, "end": b} for a, b in self.kept],
        }


def _without(pieces: list[tuple[str, str]], start: str, end: str) -> list[tuple[str, str]]:
    out = []
    for a, b in pieces:
        out += [(x, y) for x, y in ((a, min(b, start)), (max(a, end), b)) if x < y]
    return out


def revise(stored: Iterable[Stored], batch: Sequence[NewShift]) -> list[Revision]:
    """Each stored shift the batch changes, in (actor, start) order: replaced whole by a new
    shift with its start (unless that says the same), or cut by the new shifts it overlaps.
    The batch's own shifts do not overlap one another (`context` refuses such a batch)."""
    mine: dict[str, list[NewShift]] = {}
    for n in batch:
        mine.setdefault(n.actor, []).append(n)
    out = []
    for s in sorted(set(stored), key=lambda s: (s.actor, s.start)):
        new = mine.get(s.actor, [])
        same = next((n for n in new if n.start == s.start), None)
        if same is not None:
            if (same.end, same.site) != (s.end, s.site):
                out.append(Revision(s, ()))
            continue
        pieces = [(s.start, s.end)]
        for n in new:
            pieces = _without(pieces, n.start, n.end)
        if pieces != [(s.start, s.end)]:
            out.append(Revision(s, tuple(pieces)))
    return out


_OVERLAPPED = (
    "SELECT start_at, end_at, site FROM shifts WHERE actor = ? AND start_at < ? AND end_at > ?"
)
_DELETE = "DELETE FROM shifts WHERE actor = ? AND start_at = ?"
# An upsert, as the batch's own: shifts stored before overlaps were refused may share a start.
_INSERT = (
    "INSERT INTO shifts (actor, start_at, end_at, site) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (actor, start_at) DO UPDATE SET end_at = excluded.end_at, site = excluded.site"
)


def touched(tx: Tx, batch: Sequence[NewShift]) -> list[Stored]:
    """The stored shifts that overlap a shift of the batch (one that starts when a new one
    does among them: a shift ends after it starts)."""
    out: set[Stored] = set()
    for n in batch:
        rows = tx.all(_OVERLAPPED, (n.actor, n.end, n.start))
        out.update(Stored(n.actor, str(a), str(b), str(c)) for a, b, c in rows)
    return list(out)


def apply(tx: Tx, revisions: Sequence[Revision]) -> None:
    """Make way for the batch: each revised shift gives way to what is kept of it. The batch's
    own shifts are then stored by the caller (a re-sent one by its upsert)."""
    tx.many(_DELETE, [(r.shift.actor, r.shift.start) for r in revisions])
    # After every delete: a piece kept of one shift must not be deleted as another's start.
    tx.many(_INSERT, [(r.shift.actor, a, b, r.shift.site) for r in revisions for a, b in r.kept])


def details(revisions: Sequence[Revision]) -> dict[str, Any]:
    """What the ledger entry of the batch says of them."""
    out: dict[str, Any] = {"revised": len(revisions)}
    if revisions:
        out["revisions"] = [r.to_dict() for r in revisions[:LISTED]]
    if len(revisions) > LISTED:
        out["revisions_not_listed"] = len(revisions) - LISTED
    return out
