"""CREDIT_CARD read aloud: "four one one one, double one, triple one …" in call transcripts.

Callers read card numbers as words, in groups, with fillers, and speech-to-text writes some
of them back as digits: "four one one one 1111 one one one one, uh, double one one one".
Propose: a run of four or more number tokens joined by spaces, punctuation or fillers
("uh", "um", "and"). Normalise: each token to the digits it stands for ("oh" and "nought"
are 0, "double four" is 44, "triple zero" is 000, "forty one" is 41, "eleven" is 11), kept
with its own offsets in the original text. Validate: exactly as typed cards (whole tokens,
13-19 digits, issuer, Luhn), so a finding starts at the first word spoken and ends at the
last. English digit words are joined by Spanish and Polish ones (Bogota, Krakow).

A run of digits only is left to `credit_card.py`, so one number is not found twice.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from strongroom.dlp.finding import Finding
from strongroom.dlp.recognizers.alternation import alternation
from strongroom.dlp.recognizers.context import is_reference
from strongroom.dlp.recognizers.credit_card import Unit, best_card_span
from strongroom.dlp.recognizers.interface import CHECKSUM_SCORE

UNITS: dict[str, str] = {
    # English
    "zero": "0", "oh": "0", "o": "0", "nought": "0", "naught": "0",
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9",
    # Spanish
    "cero": "0", "uno": "1", "una": "1", "dos": "2", "tres": "3", "cuatro": "4",
    "cinco": "5", "seis": "6", "siete": "7", "ocho": "8", "nueve": "9",
    # Polish
    "jeden": "1", "jedna": "1", "dwa": "2", "dwie": "2", "trzy": "3", "cztery": "4",
    "pięć": "5", "piec": "5", "sześć": "6", "szesc": "6", "siedem": "7", "osiem": "8",
    "dziewięć": "9", "dziewiec": "9",
}  # fmt: skip
TEENS: dict[str, str] = {
    "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14",
    "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19",
}  # fmt: skip
TENS: dict[str, str] = {
    "twenty": "2", "thirty": "3", "forty": "4", "fourty": "4", "fifty": "5", "sixty": "6",
    "seventy": "7", "eighty": "8", "ninety": "9",
}  # fmt: skip
REPEATS: dict[str, int] = {"double": 2, "triple": 3, "treble": 3, "quadruple": 4}


_UNIT = alternation(UNITS)
_TOKEN = (
    rf"(?:{alternation(REPEATS)}[ \-]+)?"
    rf"(?:{alternation(TENS)}(?:[ \-]+{_UNIT})?|{alternation(TEENS)}|{_UNIT}|\d+)"
)
_SEP = r"(?:[\s,.;:/\-]|\b(?:uh|um|umm|erm|er|ah|and|then)\b)+"
# Patterns are matched against the lower-cased text (much faster than IGNORECASE); the
# IGNORECASE twins serve the rare text whose lower-casing changes its length ("İ").
_TOKEN_RE = re.compile(rf"\b(?P<token>{_TOKEN})\b")
_RUN_RE = re.compile(rf"\b{_TOKEN}(?:{_SEP}{_TOKEN}){{3,}}\b")
# A number word next to another number token: cheap, and true of every run worth parsing
# (runs of four tokens with a word in them) but a trailing lone word after typed digits.
_GATE = re.compile(
    rf"\b{alternation([*UNITS, *TEENS, *TENS, *REPEATS])}[\s,.;:/\-]+"
    rf"(?:{alternation([*UNITS, *TEENS, *TENS])}|\d)"
)
_WORDS = re.compile(r"[^\W\d_]+")


@functools.cache
def _case_blind() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """The IGNORECASE twins, compiled on first need (rare; compiling costs ~4 ms)."""
    return (
        re.compile(_GATE.pattern, re.IGNORECASE),
        re.compile(_RUN_RE.pattern, re.IGNORECASE),
        re.compile(_TOKEN_RE.pattern, re.IGNORECASE),
    )


def digits_of(token: str) -> str:
    """The digits a spoken number token stands for: "double four" → "44", "forty one" → "41".

    Raises KeyError for a token that `_TOKEN_RE` would not have produced.
    """
    if token.isdigit():
        return token
    words = _WORDS.findall(token.lower())
    repeat = 1
    if words[0] in REPEATS:
        repeat = REPEATS[words.pop(0)]
    if not words:  # "double 4": the repeated digit was typed
        return token.rsplit(None, 1)[-1].lstrip("-") * repeat
    head = words[0]
    if head in TENS:
        tail = UNITS[words[1]] if len(words) > 1 else "0"
        value = TENS[head] + tail
    elif head in TEENS:
        value = TEENS[head]
    else:
        value = UNITS[head]
    return value * repeat


def spoken_runs(text: str) -> Iterator[list[Unit]]:
    """Runs of four or more number tokens that contain at least one word, as units with
    their own offsets in `text`."""
    lower = text.lower()
    if len(lower) == len(text):
        gate, runs, tokens, subject = _GATE, _RUN_RE, _TOKEN_RE, lower
    else:
        (gate, runs, tokens), subject = _case_blind(), text
    if gate.search(subject) is None:
        return
    for run in runs.finditer(subject):
        units = [
            (m.start(), m.end(), digits_of(m.group("token")))
            for m in tokens.finditer(subject, run.start(), run.end())
        ]
        if any(not text[u[0]].isdigit() for u in units):
            yield units


class SpokenCardRecognizer:
    """Card numbers read aloud in transcripts."""

    name = "spoken_card"
    entity = "CREDIT_CARD"

    def find(self, text: str) -> Iterator[Finding]:
        for run in spoken_runs(text):
            units = _without_stray_letters(text, run)
            span = best_card_span(units)
            if span is None:
                continue
            chosen = units[span[0] : span[1] + 1]
            if all(text[u[0]].isdigit() for u in chosen):
                continue  # typed digits only: credit_card.py reports them
            start, end = chosen[0][0], chosen[-1][1]
            if is_reference(text, start):
                continue
            yield Finding(self.entity, start, end, CHECKSUM_SCORE, f"{self.name}/luhn")


def _without_stray_letters(text: str, units: list[Unit]) -> list[Unit]:
    """The run without a lone "o" at either end next to typed digits: in "O 4011 3333 …" or
    "… 7789 O" the letter is text, not a zero read aloud (which comes among other words)."""

    def stray(letter: Unit, neighbour: Unit) -> bool:
        return text[letter[0] : letter[1]] in ("o", "O") and text[neighbour[0]].isdigit()

    while len(units) > 1 and stray(units[0], units[1]):
        units = units[1:]
    while len(units) > 1 and stray(units[-1], units[-2]):
        units = units[:-1]
    return units
