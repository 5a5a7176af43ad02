"""PERSON: names of people, recognised from evidence rather than from a language model.

A capitalised word is not a name, and a name is not always capitalised; what makes a
span a person's name in contact-centre text is evidence around it. Each rule below proposes
spans from one kind of evidence, and the name lists (`names.py`: given names, surnames,
places, common words) validate the tokens:

- pair: a known given name followed by a surname-like capitalised word ("Maria Santos",
  "Anna Kowalska-Nowak", "John A. Smith", "Maria de la Cruz"). When the given name is also
  an everyday word ("Will", "Mark", "Grace") or the second word is a place, the second word
  must be a known surname ("Will Smith" is a name, "Will Visa" is not).
- honorific: "Mr", "Mrs", "Dr", "Sir", "Ma'am", "Señora", "Pan", "Pani", "Gng" … followed by
  capitalised words; the honorific is not part of the name.
- cue: "my name is", "name on the card is", "account holder", "me llamo", "nazywam się" …
  followed by the name, in any case (speech-to-text writes "my name is maria santos"), and
  form fields ("Name: Maria Santos", "Cardholder: JOHN SMITH"): capitalised words are
  taken unless they are everyday words the lists do not also know as names, lower-case
  ones only when the lists know them.
- weak cue: "this is", "I'm", "speaking with", "you're through to", "Cx" … followed by a
  known given name that is not an everyday word, or by a name whose last word is a known
  surname, or by any name with an affiliation after it ("Vikram at Litware Broadband"); in
  all-lower-case text (speech-to-text), by a known given name and surname.
- relation: "my mum", "her husband", "(Suresh Iyer, spouse)": any capitalised name.
- introduction and mailbox: "Rhea speaking", "Juan here from …", "Mark Panganiban <mark@…>".
- greeting: "Hi Maria,", "Dear Anna Kowalska", "Thanks John!"; after "Hi" or "Dear", or
  closed by "!" or ".", a name the lists do not know ("Hi Marites,", "thank you Swati!").
- vocative: "Is there anything else I can help with, George?".
- sign-off: "Regards,\\nAnna Kowalska" and "Cheers, Tom" at the end of a line.
- label: transcript speaker labels, "Customer (Maria Santos):", "Agent Anna:", "Maria
  Santos:", "[9:50 am] Bea:", "Jakub (Acme Bank):".
- caps: a name in capitals as embossed on a card, "JOHN A SMITH", when both the given name
  and the surname are known.

A name the lists do not know is taken only where the evidence is strong (the lists come
from Faker and miss many Filipino and Indian names: "Marites", "Swati"), and never when it
is an everyday English word or a known place.

Words that are never part of a name (greetings, contact-centre and banking words, brands,
pronouns, big cities near the BPO's sites) stop a name wherever they appear; months and
days only count after a strong cue ("my name is April"). Overlapping proposals are merged
into one finding with the best score and the rule that gave it, recorded as
`person/<rule>`.

Speed: Python's `re` costs about 25 ns per character for a pattern that may start at any
letter, so the text is scanned few times. One pass collects the capitalised words (pairs,
and the cue or greeting right before a given name, read with an anchored match on the
reversed text); the cue phrases that may precede a lower-case name are scanned only when one
of their keywords is in the text; the rest are anchored at line starts or open with rarer
characters.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from itertools import chain
from typing import NamedTuple

from strongroom.dlp.finding import Finding
from strongroom.dlp.recognizers.alternation import alternation
from strongroom.dlp.recognizers.names import NameLists, fold, name_lists
from strongroom.dlp.recognizers.person_cues import (
    ADDRESSING,
    AMBIGUOUS,
    CALENDAR,
    CUE_KEYWORDS,
    FIELDS,
    GREETINGS,
    HONORIFICS,
    LABELS,
    PARTICLES,
    RELATION_WORDS,
    RELATIONS,
    SELF_INTRODUCTIONS,
    SIGN_OFFS,
    STOP,
    STRONG_CUES,
    WEAK_CUES,
)

# The same few words (names, labels, "Agent") recur in every message: fold each once.
_fold = functools.lru_cache(maxsize=1 << 15)(fold)

# A word of a proposed name: start, end, the word.
Word = tuple[int, int, str]
# A span a rule proposes: start, end, score, rule.
Proposal = tuple[int, int, float, str]

# Letter classes kept cheap to compile (Unicode categories, not lists of characters): an
# upper-case-ish letter is any letter but a-z, a lower-case-ish one any letter but A-Z.
# Words are checked exactly afterwards.
_UP = r"[^\W\d_a-z]"
_LO = r"[^\W\d_A-Z]"
# A pattern that opens with a plain class of characters lets `re` skip ahead in C to the
# next place a match can start (a leading look-behind or category class prevents it, and
# costs twice the time on chat text). So patterns open with `_OPEN_UP` (capitals of the
# Latin, Greek and Cyrillic scripts) and check what precedes with a look-behind after it.
_OPEN_UP = "[A-Z\u00c0-\u00de\u0100-\u024f\u0386-\u03ab\u0400-\u042f\u1e00-\u1eff]"

# A capitalised word: "Maria", "O'Brien", "McDonald", "Kowalska-Nowak", "D'Souza".
_CAP_REST = rf"(?:['’]{_UP})?{_LO}+(?:{_UP}{_LO}+)?(?:-{_UP}(?:['’]{_UP})?{_LO}+)?"
_CAP = _UP + _CAP_REST
_GAP = rf"[ \t]+(?:{alternation(PARTICLES)}[ \t]+)*(?:{_UP}\.?[ \t]+)?"
# One to five capitalised words, possibly with particles and one initial between them.
_NAME = rf"{_CAP}(?:{_GAP}{_CAP}){{0,4}}"
_END = r"(?![\w\-])"
# Any-case words after a strong cue, validated word by word.
_ANY_WORD = r"[^\W\d_]+(?:['’\-][^\W\d_]+)*"
_ANY_NAME = rf"{_ANY_WORD}(?:[ \t]+{_ANY_WORD}){{0,3}}"
_CAPS_WORD = r"[^\W\d_a-z]{2,}(?:['’\-][^\W\d_a-z]+)?"

_WORD = re.compile(rf"{_CAP}|{_ANY_WORD}")
# Runs of capitalised words, the one pass most rules start from.
_RUN = re.compile(rf"{_OPEN_UP}(?<![\w'’\-].){_CAP_REST}(?:{_GAP}{_CAP}){{0,5}}{_END}")
# The cue or greeting just before a given name, read backwards from the name on the
# reversed text so that the match is anchored (one attempt, not one per position).
_BEFORE_KINDS: dict[str, frozenset[str]] = {}
for _kind, _phrases in (("weak", WEAK_CUES), ("greeting", GREETINGS), ("relation", RELATIONS)):
    for _phrase in _phrases:
        _BEFORE_KINDS[_phrase] = _BEFORE_KINDS.get(_phrase, frozenset()) | {_kind}
_BEFORE = re.compile(
    rf"[ \t]*,?[ \t]*(?P<cue>{alternation(p[::-1] for p in _BEFORE_KINDS)})(?![\w'’])"
)
_LOOK_BACK = 32
# Opens with the honorifics' letters; what precedes is checked by `_starts_word`.
_HONORIFIC = re.compile(
    rf"{alternation(HONORIFICS + tuple(h.upper() for h in HONORIFICS if len(h) > 2))}"
    rf"\.?[ \t]+(?P<name>{_NAME}){_END}"
)
# Cues that may precede a lower-case name, matched on the lower-cased text (IGNORECASE
# alternations are several times slower), and only when one of their keywords occurs.
_STRONG = re.compile(
    rf"(?:{alternation(STRONG_CUES)}[ \t]*[:\-]?|{alternation(FIELDS)}[ \t]*:)[ \t]*(?![\w'’])?"
)
_WEAK = re.compile(rf"{alternation(WEAK_CUES)}[ \t]+")
_ANY_NAME_RE = re.compile(_ANY_NAME)
_LETTER = re.compile(r"[^\W\d_]")
_CLOSED = re.compile(r"[ \t]*(?:[,!.:;?)\n]|$)")
_SELF_INTRODUCED = re.compile(rf"[ \t]+(?i:{alternation(SELF_INTRODUCTIONS)})(?![\w'’])")
_ENDS_SENTENCE = re.compile(r"[ \t]*(?:[!.?\n]|$)")
_ENDS_SENTENCE_STRICT = re.compile(r"[ \t]*(?:[!.?]|$)")
# "Mark Panganiban <mark.p@example.com>": a name before its mailbox.
_MAILBOX = re.compile(r"[ \t]*<[^<>@\s]+@")
# "(Suresh Iyer, spouse)": a name in brackets with the person's relation to the customer.
_RELATED = re.compile(rf"[ \t]*,[ \t]*(?i:{alternation(RELATION_WORDS)})\)")
# "Sanjay from Acme Bank", "Mark at Woodgrove": a person's affiliation after the name.
_AFFILIATION = re.compile(r"[ \t]+(?:from|at|of|with|z|de)[ \t]+(?:the[ \t]+)?[A-Z]")
# Line-start patterns: tried with `.match` at each line start only (see `_line_starts`),
# never scanned along the text.
_SIGN_OFF = re.compile(
    rf"[ \t]*(?i:{alternation(SIGN_OFFS)})[ \t]*(?:[,.!\-–—]?[ \t]*\r?\n(?:[ \t]*\r?\n)?"
    rf"[ \t]*|,[ \t]*)(?P<name>{_NAME})[ \t]*,?[ \t]*(?=\r?\n|$)"
)
_LABEL = re.compile(
    rf"[ \t]*(?P<stamp>\[[^\]\n]{{0,40}}\][ \t]*)?"
    rf"(?:(?i:{alternation(LABELS)})[ \t]*(?:\([ \t]*(?P<inner>{_NAME})[ \t]*\)"
    rf"|[ \t]+(?P<after>{_NAME}))|(?P<bare>{_NAME})(?P<aside>[ \t]*\([^()\n]{{1,40}}\))?)"
    r"[ \t]*:"
)
_LABEL_REACH = 100  # a label's colon is this close to its line start
_HAS_DIGIT = re.compile(r"\d")
_CUE_REACH = 24  # longer than any cue phrase, around its keyword
_ALL_CAPS = re.compile(
    rf"{_OPEN_UP}{_OPEN_UP}(?<![\w\-]..)[^\W\d_a-z]*(?:['’\-][^\W\d_a-z]+)?"
    rf"(?:[ \t]+(?:[A-Z]\.?[ \t]+)?{_CAPS_WORD}){{1,3}}(?![\w\-])"
)


class _Word(NamedTuple):
    """What the lists say about one word, worked out once per distinct word."""

    namelike: bool  # capitalised or in capitals, and never a non-name word
    given: bool  # a known given name
    everyday: bool  # also an everyday word ("Will", "Grace")
    surname: bool  # a known surname
    place: bool  # a known place


_CACHE_SIZE = 1 << 15


class PersonRecognizer:
    """Names of people, from evidence: see the module docstring for the rules."""

    name = "person"
    entity = "PERSON"

    def __init__(self, lists: NameLists | None = None) -> None:
        self._lists = lists
        self._known: dict[str, _Word] = {}

    @property
    def lists(self) -> NameLists:
        """The name lists, loaded on first use (a few ms from the cache)."""
        if self._lists is None:
            self._lists = name_lists()
        return self._lists

    def find(self, text: str) -> Iterator[Finding]:
        lower = text.lower()
        if len(lower) != len(text):  # "İ" lower-cases to two characters: keep offsets true
            lower = "".join(c.lower()[0] for c in text)
        lines = _line_starts(text)
        runs = [
            _words(run, m.start()) if " " in run or "\t" in run else [(m.start(), m.end(), run)]
            for m in _RUN.finditer(text)
            for run in (m.group(),)
        ]
        proposals = sorted(chain(
            self._runs(text, lower, runs),
            self._honorifics(text),
            self._strong_cues(text, lower),
            self._lower_case_cues(text, lower, runs),
            self._sign_offs(text, lines),
            self._labels(text, lines),
            self._caps(text),
        ))  # fmt: skip
        for start, end, score, rule in _merged(proposals):
            yield Finding(self.entity, start, end, score, f"{self.name}/{rule}")

    # -- rules -----------------------------------------------------------------------

    def _runs(self, text: str, lower: str, runs: list[list[Word]]) -> Iterator[Proposal]:
        """Pairs, and names with a cue, greeting or introduction around them."""
        for words in runs:
            i = 0
            while i < len(words):
                first = words[i][2]
                if not (_is_capitalised(first) and self._namelike(first)):
                    i += 1
                    continue
                known = self._word(first)
                given, everyday = known.given, known.everyday
                unknown_ok = not given and not everyday and not known.place
                rest: list[Word] = []
                if given:
                    rest = self._rest_of_name(words[i + 1 :], strict=everyday)
                    if rest:
                        score = 0.85 if self._is_surname(rest[-1][2]) else 0.7
                        yield (words[i][0], rest[-1][1], score, "pair")
                named = [words[i], *_leading(words[i + 1 :], self._namelike)]
                evidence = self._evidence(text, lower, named, given=given, unknown_ok=unknown_ok)
                if evidence is not None:
                    yield (words[i][0], named[-1][1], *evidence)
                i += 1 + len(rest)

    def _evidence(
        self, text: str, lower: str, named: list[Word], *, given: bool, unknown_ok: bool
    ) -> tuple[float, str] | None:
        """Score and rule when the text around `named` says it is a person's name."""
        start, end = named[0][0], named[-1][1]
        first = named[0][2]
        closed = _CLOSED.match(text, end) is not None
        if _SELF_INTRODUCED.match(text, end) and (given or unknown_ok):
            return (0.8, "cue")  # "Rhea speaking", "Juan here from …"
        if _MAILBOX.match(text, end) and (given or unknown_ok):
            return (0.8, "mailbox")  # "From: Mark Panganiban <mark.p@…>"
        if _RELATED.match(text, end) and text[start - 1 : start] == "(":
            return (0.8, "cue")  # "(Suresh Iyer, spouse)"
        cue = self._cue_before(lower, start)
        if "relation" in cue:
            return (0.8, "cue")  # "my mum Arnel Gatchalian"
        if "weak" in cue:
            last_known = len(named) > 1 and self._is_surname(named[-1][2])
            if (
                self._is_given(first, strict=True)
                or (last_known and not self._is_everyday(first))
                or (given and len(named) > 1)  # "I'm Mark Panganiban"
            ):
                return (0.75, "cue")
            if (given or unknown_ok) and _AFFILIATION.match(text, end):
                return (0.75, "cue")  # "you're chatting with Mark from Acme Bank"
        if "greeting" in cue:
            # "Hi Will," greets Will; "Hi Will you help" does not: without punctuation
            # after it, a lone name must not be an everyday word.
            if given and (len(named) > 1 or closed or not self._is_everyday(first)):
                return (0.7 if len(named) == 1 else 0.8, "greeting")
            if unknown_ok and (
                (len(named) == 1 and _ENDS_SENTENCE.match(text, end))  # "thank you Swati!"
                or (closed and self._cue_phrase_before(lower, start) in ADDRESSING)  # "Hi Marites,"
            ):
                return (0.7 if len(named) == 1 else 0.8, "greeting")  # not "Good morning, Acme,"
        # "Is there anything else, George?"; an unknown word only when a sentence ends after
        # it (", Adventure Works\n" signs a company, not a person)
        before = text.rfind(",", max(0, start - 3), start)
        if (
            before >= 0
            and not text[before + 1 : start].strip()
            and len(named) == 1
            and ((given and closed) or (unknown_ok and _ENDS_SENTENCE_STRICT.match(text, end)))
        ):
            return (0.7, "vocative")
        return None

    def _cue_before(self, lower: str, at: int) -> frozenset[str]:
        return _BEFORE_KINDS.get(self._cue_phrase_before(lower, at), frozenset())

    def _cue_phrase_before(self, lower: str, at: int) -> str:
        back = lower[max(0, at - _LOOK_BACK) : at][::-1]
        m = _BEFORE.match(back)
        return "" if m is None else " ".join(m["cue"][::-1].split())

    def _honorifics(self, text: str) -> Iterator[Proposal]:
        for m in _HONORIFIC.finditer(text):
            if not _starts_word(text, m.start()):
                continue
            words = _leading(_words(m["name"], m.start("name")), self._namelike)
            if words:
                yield (words[0][0], words[-1][1], 0.85, "honorific")

    def _strong_cues(self, text: str, lower: str) -> Iterator[Proposal]:
        # The cues are looked for only around their keywords, found by `str.find`.
        spans: list[tuple[int, int]] = []
        for key in CUE_KEYWORDS:
            at = lower.find(key)
            while at >= 0:
                spans.append((max(0, at - _CUE_REACH), at + len(key) + _CUE_REACH))
                at = lower.find(key, at + 1)
        if not spans:
            return
        spans.sort()
        merged = [spans[0]]
        for lo, hi in spans[1:]:
            if lo <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
            else:
                merged.append((lo, hi))
        matches = [m for lo, hi in merged for m in _STRONG.finditer(lower, lo, hi)]
        for m in matches:
            if not _starts_word(lower, m.start()):
                continue
            name = _ANY_NAME_RE.match(text, m.end())
            if name is None:
                continue
            kept: list[Word] = []
            pending: list[Word] = []
            for word in _words(name.group(), name.start()):
                if kept and len(word[2]) == 1 and word[2].isupper():
                    pending.append(word)  # an initial: "JOHN A SMITH"
                    continue
                if not self._after_strong_cue(word[2], first=not kept):
                    break
                kept += pending
                kept.append(word)
                pending = []
            if kept:
                yield (kept[0][0], kept[-1][1], 0.85, "cue")

    def _lower_case_cues(self, text: str, lower: str, runs: list[list[Word]]) -> Iterator[Proposal]:
        """ "this is maria santos": only in text without capitals inside its lines (as
        speech-to-text writes), where the capitalised-word pass finds nothing to read."""
        if any(_inside_line(text, words[0][0]) for words in runs):
            return  # capitals inside lines: written text, read by the other rules
        for m in _WEAK.finditer(lower):
            if not _starts_word(lower, m.start()):
                continue
            name = _ANY_NAME_RE.match(text, m.end())
            words = _words(name.group(), name.start()) if name else []
            if (
                len(words) > 1
                and self._is_given(words[0][2], strict=True)
                and self._is_surname(words[1][2])
            ):
                yield (words[0][0], words[1][1], 0.7, "cue")

    def _sign_offs(self, text: str, lines: list[int]) -> Iterator[Proposal]:
        for line in lines:
            m = _SIGN_OFF.match(text, line)
            if m is None:
                continue
            words = _words(m["name"], m.start("name"))
            if not all(self._namelike(w[2]) for w in words):
                continue  # "The Support Team" signs many e-mails and is nobody
            known = self._word(words[0][2])
            if len(words) == 1 and not (known.given or known.surname or not known.everyday):
                continue  # a lone everyday word ("Best,\nSupport") is not a signature
            yield (words[0][0], words[-1][1], 0.8, "sign-off")

    def _labels(self, text: str, lines: list[int]) -> Iterator[Proposal]:
        for line in lines:
            opening = line
            if text.startswith("[", line):  # a time stamp: "[00:01:12] Agent:"
                close = text.find("]", line, line + _LABEL_REACH)
                if close < 0:
                    continue
                opening = close + 1
            colon = text.find(":", opening, line + _LABEL_REACH)
            if colon < 0:
                continue  # no colon early on this line: no label
            head = text[opening:colon]
            if "\n" in head or (
                "(" not in head and (_HAS_DIGIT.search(head) or _fold(head.strip()) in STOP)
            ):
                continue  # "AGENT:", "Speaker 1:": a role, not a name
            m = _LABEL.match(text, line)
            if m is None:
                continue
            group = "inner" if m["inner"] else "after" if m["after"] else "bare"
            words = _words(m[group], m.start(group))
            if not all(self._namelike(w[2]) for w in words):
                continue
            # A bare "Xxx:" opens many lines that are not names ("Important:"): it needs a
            # known given name, a known surname last, or an aside ("Jakub (Acme Bank):").
            if group == "bare" and not (
                m["aside"]
                or self._is_given(words[0][2], strict=False)
                or (len(words) > 1 and self._is_surname(words[-1][2]))
                or (m["stamp"] and not self._is_everyday(words[0][2]))  # "[9pm] Venkatesh:"
            ):
                continue
            yield (words[0][0], words[-1][1], 0.85, "label")

    def _caps(self, text: str) -> Iterator[Proposal]:
        for m in _ALL_CAPS.finditer(text):
            words = _words(m.group(), m.start())
            long = [w[2] for w in words if len(w[2]) > 1]
            if (
                self._is_given(long[0], strict=True)
                and self._is_surname(long[-1])
                and all(self._namelike(w) for w in long)
            ):
                yield (words[0][0], words[-1][1], 0.8, "caps")

    # -- validation --------------------------------------------------------------------

    def _word(self, word: str) -> _Word:
        known = self._known.get(word)
        if known is None:
            if len(self._known) >= _CACHE_SIZE:
                self._known.clear()  # bounded: a long-running server sees endless words
            lists = self.lists
            folded = _fold(word)
            stop = folded in STOP or folded in CALENDAR
            known = _Word(
                namelike=word[0].isupper() and not stop,
                given=folded in lists.given and not stop,
                everyday=folded in AMBIGUOUS or folded in lists.common_words,
                surname=folded in lists.surnames and folded not in STOP,
                place=folded in lists.places,
            )
            self._known[word] = known
        return known

    def _namelike(self, word: str) -> bool:
        """Capitalised (or in capitals) and not a word that is never a name."""
        return self._word(word).namelike

    def _is_everyday(self, word: str) -> bool:
        return self._word(word).everyday

    def _is_given(self, word: str, *, strict: bool) -> bool:
        """A known given name; `strict` also refuses everyday words ("Will", "May")."""
        known = self._word(word)
        return known.given and not (strict and known.everyday)

    def _is_surname(self, word: str) -> bool:
        return self._word(word).surname

    def _after_strong_cue(self, word: str, *, first: bool) -> bool:
        folded = _fold(word)
        if folded in STOP:
            return False
        lists = self.lists
        known = folded in lists.given or (not first and folded in lists.surnames)
        if word[0].isupper():
            return known or folded not in lists.common_words
        return known and folded not in lists.common_words

    def _rest_of_name(self, words: list[Word], *, strict: bool) -> list[Word]:
        """The words after a given name that read as the rest of the name.

        Particles and initials are kept only between names. When the given name is an
        everyday word (`strict`), the name must end on a known surname.
        """
        kept: list[Word] = []
        pending: list[Word] = []
        for word in words:
            text = word[2]
            if not _is_capitalised(text) or len(text) == 1:
                pending.append(word)  # a particle ("de", "la") or an initial ("A")
                continue
            info = self._word(text)
            if not info.namelike:
                break
            known = info.surname or info.given  # a second given name: "Ana María …"
            if not known and (strict or info.place or info.everyday):
                break
            kept += pending
            kept.append(word)
            pending = []
        while kept and (
            not _is_capitalised(kept[-1][2])
            or len(kept[-1][2]) == 1
            or (strict and not self._is_surname(kept[-1][2]))
        ):
            kept.pop()
        return kept


def _line_starts(text: str) -> list[int]:
    """Where each line of `text` starts."""
    starts = [0]
    at = text.find("\n")
    while at >= 0:
        starts.append(at + 1)
        at = text.find("\n", at + 1)
    return starts


def _starts_word(text: str, at: int) -> bool:
    """True when nothing word-like is glued before `at` ("Mr" in "Mr Smith", not "HMr")."""
    return at == 0 or not (text[at - 1].isalnum() or text[at - 1] in "_'’-")


def _inside_line(text: str, at: int) -> bool:
    """True when a word precedes `at` on its line, past any "Label:" that opens it.

    Speech-to-text output capitalises nothing but the speaker labels at line starts; any
    other capital says the text was written (or punctuated) by a person.
    """
    line = text.rfind("\n", 0, at) + 1
    label = text.find(":", line, at)
    return _LETTER.search(text, label + 1 if label >= 0 else line, at) is not None


def _is_capitalised(word: str) -> bool:
    """ "Maria", "McDonald", "O'Brien": an upper-case first letter, not all in capitals."""
    return word[0].isupper() and (len(word) == 1 or not word.isupper())


def _words(span: str, offset: int) -> list[Word]:
    """The words of a proposed name with their offsets; particles and initials included."""
    return [(offset + w.start(), offset + w.end(), w.group()) for w in _WORD.finditer(span)]


def _leading(words: list[Word], keep: Callable[[str], bool]) -> list[Word]:
    """The words before the first that `keep` refuses."""
    out: list[Word] = []
    for word in words:
        if not keep(word[2]):
            break
        out.append(word)
    return out


def _merged(proposals: list[Proposal]) -> Iterator[Proposal]:
    """Overlapping proposals (sorted by start) as one: their union, the best score's rule."""
    current: Proposal | None = None
    for p in proposals:
        if current is not None and p[0] < current[1]:
            best = max(current, p, key=lambda q: q[2])
            current = (current[0], max(current[1], p[1]), best[2], best[3])
            continue
        if current is not None:
            yield current
        current = p
    if current is not None:
        yield current
