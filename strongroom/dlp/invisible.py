"""Characters a reader does not see, and a text read without them.

Typed inside a card number or an e-mail address, they hide it from every pattern while a chat
window or a mail client shows nothing of them: the first evasion a DLP filter is tested with.
Whitespace controls (tab, line feed, vertical tab, form feed, carriage return, the file, group,
record and unit separators, NEL) are not among them: the recognisers read those as the
separators they are.
"""

from __future__ import annotations

import bisect
import re

from strongroom.dlp.finding import Finding

_HIDDEN = (
    "\x00-\x08\x0e-\x1b\x7f\x80-\x84\x86-\x9f"  # controls that are not whitespace
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f"  # soft hyphen, fillers, Mongolian
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"  # zero width, direction, invisible ops
    "\u3164\ufe00-\ufe0f\ufeff\uffa0"  # Hangul filler, variation selectors, BOM
    "\U000e0000-\U000e007f\U000e0100-\U000e01ef"  # tags, variation selectors supplement
)
INVISIBLE = re.compile(f"[{_HIDDEN}]")
_SEEN_RUN = re.compile(f"[^{_HIDDEN}]+")


def visible(text: str) -> str:
    """`text` as a reader sees it: the value a redaction operator hashes or tokenizes, so the
    same card or address gets the same pseudonym however many invisible characters it holds."""
    return INVISIBLE.sub("", text)


class Folded:
    """A text without its invisible characters, and the way back to the text as given."""

    __slots__ = ("offsets", "runs", "text")

    def __init__(self, text: str) -> None:
        matches = list(_SEEN_RUN.finditer(text))
        self.text = "".join(m.group() for m in matches)
        self.runs: list[int] = []  # where each visible run starts in the folded text
        self.offsets: list[int] = []  # and in the text as given
        at = 0
        for m in matches:
            self.runs.append(at)
            self.offsets.append(m.start())
            at += m.end() - m.start()

    def _original(self, folded: int) -> int:
        run = bisect.bisect_right(self.runs, folded) - 1
        return self.offsets[run] + folded - self.runs[run]

    def back(self, f: Finding) -> Finding:
        """The finding on the text as given: from its first visible character to its last."""
        start, end = self._original(f.start), self._original(f.end - 1) + 1
        return Finding(f.entity_type, start, end, f.score, f.recogniser)


def fold(text: str) -> Folded | None:
    """None for the common text with nothing invisible in it (one regex search)."""
    return Folded(text) if INVISIBLE.search(text) is not None else None
