"""Find sensitive data in free text, fast enough to sit inline on every message.

Guarantees of `scan`:
- every finding was validated by its recogniser (see `recognizers/`), and its offsets are
  character offsets into the text as given;
- characters a reader does not see (`invisible.py`: NUL and other controls, zero-width spaces
  and joiners, direction marks, variation selectors ...) do not hide a value:
  `4111\u200b1111 1111 1111` is a card, as a person reading it sees one, and its finding spans
  the invisible characters too, so redaction takes them with the digits; where the text as
  given already shows a finding, it stands (two cards with a zero-width space between are two);
- findings are sorted by start and never overlap: where recognisers disagree, the finding
  confirmed by a checksum wins, then the longer, then the higher score (a Luhn-valid card
  is a CREDIT_CARD, not a PHONE_NUMBER; an IBAN is not a card hiding in its digits);
- the recognisers are built once per process, on first use, and shared (they hold only
  compiled patterns and immutable lists); the name lists load on the first scan.
"""

from __future__ import annotations

import bisect
import functools
import itertools
from collections.abc import Iterable, Sequence

from strongroom.dlp.finding import ENTITIES, Finding
from strongroom.dlp.invisible import fold
from strongroom.dlp.recognizers import Recognizer, default_recognizers
from strongroom.dlp.recognizers.interface import CHECKSUM_SCORE
from strongroom.errors import BadInput


@functools.cache
def recognizers() -> tuple[Recognizer, ...]:
    """The process's shared recognisers, built on first call (a race at start-up at worst
    builds them twice; they are interchangeable)."""
    return default_recognizers()


def scan(text: str, entities: Iterable[str] | None = None) -> list[Finding]:
    """The sensitive data in `text`, sorted by start, without overlaps.

    `entities` limits the search to some of `ENTITIES` (all by default); only their
    recognisers run. Raises BadInput for an entity name that is not in `ENTITIES`.
    """
    wanted = _wanted(entities)
    chosen = [r for r in recognizers() if r.entity in wanted]
    return _with_hidden(resolve([f for r in chosen for f in r.find(text)]), text, chosen)


def _with_hidden(found: list[Finding], text: str, chosen: Sequence[Recognizer]) -> list[Finding]:
    """`found` (the findings of `text` as given), and those of `text` without its invisible
    characters that overlap none of them or that a checksum confirms where none of those it
    overlaps is confirmed: what invisible characters hid. Folding also joins what they
    separated (two cards with a zero-width space between read as one long number), so
    elsewhere the text as given keeps the last word. `found` itself when nothing is hidden."""
    folded = fold(text)
    if folded is None:
        return found

    def stands(f: Finding) -> bool:
        overlapped = [g for g in found if f.start < g.end and g.start < f.end]
        if not overlapped:
            return True
        return f.score >= CHECKSUM_SCORE and all(g.score < CHECKSUM_SCORE for g in overlapped)

    unfolded = resolve([f for r in chosen for f in r.find(folded.text)])
    kept = [f for f in (folded.back(f) for f in unfolded) if stands(f)]
    return resolve([*found, *kept]) if kept else found


# What must not be typed into text kept for good (a purpose, a grant's reason): the ledger is
# append-only and hash-linked, so no erasure can take a customer's value out of it again.
# Names and places are left out: their recognisers would refuse ordinary reasons too often.
_KEPT_FOR_GOOD = ("CREDIT_CARD", "IBAN_CODE", "US_SSN", "UK_NINO", "PHONE_NUMBER", "EMAIL_ADDRESS")


def refuse_customer_data(text: str | None, field: str) -> None:
    """Raises BadInput naming `field` and the kinds found (never the value) when `text`, to be
    kept in the ledger for good, holds what looks like a customer's card, IBAN, national
    number, phone number or e-mail address. ~13 µs for a one-line reason."""
    if not text:
        return
    kinds = sorted({f.entity_type for f in scan(text, _KEPT_FOR_GOOD)})
    if kinds:
        raise BadInput(
            f"the {field} holds what looks like customer data ({', '.join(kinds)}): state it "
            "without, since it is kept in the audit ledger for good and no erasure reaches it",
            field=field,
        )


def scan_many(texts: Iterable[str], entities: Iterable[str] | None = None) -> list[list[Finding]]:
    """`scan` of each text, in order; the entity check and set-up are done once.

    Each recogniser runs over all the texts before the next starts: the same findings as
    `scan` text by text, a fifth faster (its patterns and lists stay in the CPU's caches).
    """
    wanted = _wanted(entities)
    chosen = [r for r in recognizers() if r.entity in wanted]
    batch = list(texts)
    found: list[list[Finding]] = [[] for _ in batch]
    for recognizer in chosen:
        for proposals, text in zip(found, batch, strict=True):
            proposals.extend(recognizer.find(text))
    return [
        _with_hidden(resolve(proposals), text, chosen)
        for proposals, text in zip(found, batch, strict=True)
    ]


def resolve(findings: Iterable[Finding]) -> list[Finding]:
    """Non-overlapping findings, sorted by start.

    Where findings overlap, the checksum-confirmed one is kept first, then the longer, then
    the higher-scoring; ties go to the earlier start.
    """
    found = sorted(findings, key=_by_start)
    if all(a.end <= b.start for a, b in itertools.pairwise(found)):
        return found  # the common case: nothing to resolve
    ranked = sorted(found, key=_by_preference)
    starts: list[int] = []
    kept: list[Finding] = []
    for finding in ranked:
        i = bisect.bisect_right(starts, finding.start)
        if i > 0 and kept[i - 1].end > finding.start:
            continue  # overlaps the kept finding that starts at or before it
        if i < len(kept) and kept[i].start < finding.end:
            continue  # overlaps the kept finding that starts after it
        starts.insert(i, finding.start)
        kept.insert(i, finding)
    return kept


def _by_start(f: Finding) -> tuple[int, int]:
    return (f.start, f.end)


def _by_preference(f: Finding) -> tuple[bool, int, float, int]:
    return (f.score < CHECKSUM_SCORE, f.start - f.end, -f.score, f.start)


def _wanted(entities: Iterable[str] | None) -> frozenset[str]:
    if entities is None:
        return frozenset(ENTITIES)
    wanted = frozenset(entities) if not isinstance(entities, str) else frozenset({entities})
    unknown = sorted(wanted.difference(ENTITIES))
    if unknown:
        raise BadInput(
            f"unknown entity {', '.join(unknown)}: expected some of {', '.join(ENTITIES)}",
            field="entities",
        )
    return wanted


__all__: Sequence[str] = ["recognizers", "resolve", "scan", "scan_many"]
