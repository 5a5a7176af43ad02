"""How well a scanner did: its findings scored against a labelled corpus, per entity type.

The rules (stated here once; `dlp eval` and `bench/dlp.py` report by them):

- **Exact** (the headline): a predicted span is a true positive when a label of the same
  sample has the same entity type and exactly the same `[start, end)`. Each label is matched
  at most once, so a span reported twice counts once as a true positive and once as a false
  positive. Precision = true positives / predictions, recall = true positives / labels
  (the type's support), F1 their harmonic mean.
- **Relaxed** (for information): a label is *found* when a prediction of the same type
  overlaps at least half of the label's characters; a prediction is *right* when it overlaps
  at least half of some same-type label's characters. Relaxed precision = right predictions
  / predictions, relaxed recall = found labels / labels. It shows how much of the exact score
  is lost to span edges (a title swallowed, a `+` left out) rather than to missed data.
- **Micro** figures add the counts of every type first and then divide, so a type weighs by
  its support. A ratio with a zero denominator is None (shown as "-"), never 0 or 1; F1 is
  0 when there are labels but no predictions or the reverse, and None only with neither.
- MB/s = UTF-8 megabytes (10^6 bytes) of text scanned / seconds spent in the scanner, as the
  caller timed it (`evaluate` times only the calls to `scan`).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from strongroom.dlp.corpus import Sample
from strongroom.dlp.finding import ENTITIES

RELAXED_SHARE = 0.5


class Span(Protocol):
    """Anything with a type and character offsets: a `Finding`, a corpus `Label`."""

    @property
    def entity_type(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


def _ratio(n: int, d: int) -> float | None:
    return n / d if d else None


def _f1(right: int, predicted: int, found: int, support: int) -> float | None:
    """The harmonic mean of right/predicted and found/support, a side with nothing to divide
    by counting as 0 (labels and no predictions score 0, not "undefined"); None only when
    there are neither labels nor predictions. For exact matching it is 2TP / (2TP + FP + FN)."""
    if not predicted + support:
        return None
    p = right / predicted if predicted else 0.0
    r = found / support if support else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True, slots=True)
class TypeScore:
    """The counts of one entity type (or of all, for the micro figures)."""

    support: int = 0  # labels
    predicted: int = 0
    exact: int = 0  # true positives by exact span
    found: int = 0  # labels found by the relaxed rule
    right: int = 0  # predictions right by the relaxed rule

    @property
    def precision(self) -> float | None:
        return _ratio(self.exact, self.predicted)

    @property
    def recall(self) -> float | None:
        return _ratio(self.exact, self.support)

    @property
    def f1(self) -> float | None:
        return _f1(self.exact, self.predicted, self.exact, self.support)

    @property
    def relaxed_precision(self) -> float | None:
        return _ratio(self.right, self.predicted)

    @property
    def relaxed_recall(self) -> float | None:
        return _ratio(self.found, self.support)

    @property
    def relaxed_f1(self) -> float | None:
        return _f1(self.right, self.predicted, self.found, self.support)

    def __add__(self, other: TypeScore) -> TypeScore:
        return TypeScore(
            self.support + other.support,
            self.predicted + other.predicted,
            self.exact + other.exact,
            self.found + other.found,
            self.right + other.right,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "support": self.support,
            "predicted": self.predicted,
            "true_positives": self.exact,
            "false_positives": self.predicted - self.exact,
            "false_negatives": self.support - self.exact,
            "precision": _round(self.precision),
            "recall": _round(self.recall),
            "f1": _round(self.f1),
            "relaxed": {
                "precision": _round(self.relaxed_precision),
                "recall": _round(self.relaxed_recall),
                "f1": _round(self.relaxed_f1),
            },
        }


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


@dataclass(frozen=True)
class Report:
    """The score of one scanner over one corpus."""

    types: Mapping[str, TypeScore]
    samples: int
    bytes: int
    seconds: float  # in the scanner, as timed by the caller; 0 when not timed

    @property
    def micro(self) -> TypeScore:
        return sum(self.types.values(), TypeScore())

    @property
    def mb_per_s(self) -> float | None:
        return self.bytes / 1e6 / self.seconds if self.seconds > 0 else None

    def order(self) -> list[str]:
        """The known entity types in contract order, then any other type a scanner reported."""
        return [*ENTITIES, *sorted(t for t in self.types if t not in ENTITIES)]

    def to_dict(self) -> dict[str, Any]:
        rate = self.mb_per_s
        return {
            "samples": self.samples,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 4),
            "mb_per_s": None if rate is None else round(rate, 3),
            "micro": self.micro.to_dict(),
            "types": {t: self.types.get(t, TypeScore()).to_dict() for t in self.order()},
        }

    def table(self) -> str:
        """The report as a plain-text table: a row per type, then the micro row."""
        header = ("entity", "support", "found", "TP", "precision", "recall", "F1", "relaxed F1")
        rows = [_row(t, self.types.get(t, TypeScore())) for t in self.order()]
        total = _row("micro", self.micro)
        widths = [max(len(r[i]) for r in [header, *rows, total]) for i in range(len(header))]

        def line(cells: Sequence[str]) -> str:
            rest = (c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))
            return "  ".join([cells[0].ljust(widths[0]), *rest])

        rule = "  ".join("-" * w for w in widths)
        out = [line(header), rule, *(line(r) for r in rows), rule, line(total)]
        rate = self.mb_per_s
        out.append(
            f"{self.samples:,} texts, {self.bytes / 1e6:.2f} MB"
            + (f", scanned at {rate:.2f} MB/s" if rate is not None else "")
            + "; exact-span matching (relaxed: same type, >= half the label overlapped)"
        )
        return "\n".join(out)


def _row(name: str, s: TypeScore) -> tuple[str, ...]:
    return (
        name,
        str(s.support),
        str(s.predicted),
        str(s.exact),
        pct(s.precision),
        pct(s.recall),
        pct(s.f1),
        pct(s.relaxed_f1),
    )


def pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


def _overlap(a: Span, b: Span) -> int:
    return max(0, min(a.end, b.end) - max(a.start, b.start))


def _covers(pred: Span, label: Span) -> bool:
    """Whether `pred` is of `label`'s type and overlaps at least half of it."""
    if pred.entity_type != label.entity_type:
        return False
    return _overlap(pred, label) >= RELAXED_SHARE * (label.end - label.start)


def _key(s: Span) -> tuple[str, int, int]:
    return (s.entity_type, s.start, s.end)


def _score_one(labels: Sequence[Span], predicted: Sequence[Span]) -> dict[str, TypeScore]:
    """The counts of one sample, per type."""
    out: dict[str, TypeScore] = {}

    def add(entity_type: str, counts: TypeScore) -> None:
        out[entity_type] = out.get(entity_type, TypeScore()) + counts

    for lab in labels:
        found = any(_covers(p, lab) for p in predicted)
        add(lab.entity_type, TypeScore(support=1, found=int(found)))
    for p in predicted:
        right = any(_covers(p, lab) for lab in labels)
        add(p.entity_type, TypeScore(predicted=1, right=int(right)))
    # Multisets: each label is matched at most once, however often a span is reported.
    exact = Counter(map(_key, labels)) & Counter(map(_key, predicted))
    for (entity_type, _, _), n in exact.items():
        add(entity_type, TypeScore(exact=n))
    return out


def score(
    samples: Sequence[Sample], predicted: Iterable[Sequence[Span]], seconds: float = 0.0
) -> Report:
    """Each sample's predictions (in corpus order) scored against its labels by the rules
    above. Raises ValueError when there are more or fewer prediction lists than samples."""
    totals: dict[str, TypeScore] = {}
    for sample, spans in zip(samples, predicted, strict=True):
        for t, s in _score_one(sample.entities, spans).items():
            totals[t] = totals.get(t, TypeScore()) + s
    size = sum(len(s.text.encode("utf-8")) for s in samples)
    return Report(totals, len(samples), size, seconds)


def evaluate(samples: Sequence[Sample], scan: Callable[[str], Sequence[Span]]) -> Report:
    """`scan` run over every sample's text, timed, and scored."""
    start = time.perf_counter()
    found = [scan(s.text) for s in samples]
    seconds = time.perf_counter() - start
    return score(samples, found, seconds)
