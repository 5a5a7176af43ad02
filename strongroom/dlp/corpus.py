"""A labelled corpus of contact-centre text, to measure the scanner on (and Presidio beside it).

What it guarantees:

- **Exact labels.** Text is assembled piece by piece and a label is recorded as its value is
  written, so `text[start:end]` is the value, character for character; nothing is found
  afterwards by searching the text.
- **Valid values.** Every labelled value passes its type's check (`corpus_values`); every
  look-alike (`corpus_parts.NEGATIVES`) is unlabelled, and a report of it is a false positive.
- **Deterministic.** Sample `i` of seed `s` is drawn from its own `random.Random(f"{s}:{i}")`,
  so a seed gives the same corpus on every machine, and the first 100 samples of a 600-sample
  corpus are the 100-sample corpus.

The label conventions, which a recogniser is scored against by exact span:

- PERSON is the name as written, without a title: "Maria Santos", "Juan Pérez Gómez",
  "John A. Smith"; after "Ms." or "Herr" only the surname is labelled, and a greeting's first
  name ("Thanks Anna") is labelled alone, as is a chat's speaker name before its colon. A
  name inside an email address is not a PERSON.
- A typed card, IBAN, SSN or NINO spans its first to its last character, separators included;
  a spoken card spans its first digit word to its last ("four one ... double two").
- A phone number spans from its `+` or opening parenthesis (when written) to its last digit.
- An email address and an IP address span the address alone.

A Sample on disk is one JSON line: {"id", "kind", "country", "text", "entities": [{"entity_type",
"start", "end"}]}; `read_corpus` parses it back, failing on the first malformed line.

Seeds: 1-9 are for tuning recognisers; reports use seeds from 101 up (`bench/dlp.py`).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from strongroom.dlp import corpus_parts as parts
from strongroom.dlp import corpus_templates as tpl
from strongroom.dlp import corpus_values as values
from strongroom.dlp.finding import ENTITIES
from strongroom.documents import json_lines, read_text
from strongroom.errors import BadInput

KINDS = ("chat", "transcript", "email", "note")
_KIND_WEIGHTS = (35, 25, 20, 20)
TUNING_SEEDS = range(1, 10)
REPORT_SEED = 102
_HOLE = re.compile(r"\{(\w+)\}")
# Each sample is about one or two kinds of data ("focus"), so that the rarer types (an SSN is
# only ever American, a NINO only British) reach a useful count: the holes that carry a type,
# and how often a sample that can hold it is made about it.
_FOCUS_HOLES = {
    "CREDIT_CARD": ("card", "card_spoken"),
    "IBAN_CODE": ("iban",),
    "US_SSN": ("ssn",),
    "UK_NINO": ("nino",),
    "PHONE_NUMBER": ("phone", "phone2"),
    "EMAIL_ADDRESS": ("email",),
    "IP_ADDRESS": ("ip", "ip6"),
}
_FOCUS_WEIGHTS = {
    "CREDIT_CARD": 3,
    "IBAN_CODE": 4,
    "US_SSN": 12,
    "UK_NINO": 14,
    "PHONE_NUMBER": 2,
    "EMAIL_ADDRESS": 2,
    "IP_ADDRESS": 3,
}


@dataclass(frozen=True, slots=True)
class Label:
    """One labelled entity: `text[start:end]` of its sample is a value of `entity_type`."""

    entity_type: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {"entity_type": self.entity_type, "start": self.start, "end": self.end}


@dataclass(frozen=True, slots=True)
class Sample:
    """One text and its labels. `kind` is one of KINDS for generated samples; `country` is
    the customer's ISO 3166 code (GB for the UK). Both may be empty in a corpus from elsewhere."""

    id: str
    kind: str
    country: str
    text: str
    entities: tuple[Label, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "country": self.country,
            "text": self.text,
            "entities": [e.to_dict() for e in self.entities],
        }


@dataclass
class _Draft:
    """Text being written, with the label of each entity written into it."""

    parts: list[str] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    size: int = 0

    def write(self, s: str, entity_type: str | None = None) -> None:
        if entity_type is not None:
            self.labels.append(Label(entity_type, self.size, self.size + len(s)))
        self.parts.append(s)
        self.size += len(s)


class _Cast:
    """Who and what one sample is about: the customer, the agent, and the customer's values,
    drawn once so that a value mentioned twice is the same value."""

    def __init__(self, rng: random.Random, country: str) -> None:
        self.rng = rng
        self.country = country
        self.customer, self.culture = parts.person(rng, country)
        self.other, _ = parts.person(rng, country)
        agent_country = rng.choices(parts.AGENT_COUNTRIES, parts.AGENT_WEIGHTS)[0]
        if rng.random() < 0.15:
            agent_country = country
        self.agent, _ = parts.person(rng, agent_country)
        self.company = parts.company(rng, country)
        self.card_digits, self.card_groups = values.card(rng)
        self._fixed: dict[str, str] = {}
        types = [t for t, holes in _FOCUS_HOLES.items() if self.available(holes[0])]
        self.focus: list[str] = []
        for _ in range(rng.choice((1, 1, 2))):
            t = rng.choices(types, [_FOCUS_WEIGHTS[t] for t in types])[0]
            if t not in self.focus:
                self.focus.append(t)

    def available(self, hole: str) -> bool:
        if hole == "ssn":
            return self.country == "US"
        if hole == "nino":
            return self.country == "GB"
        if hole == "iban":
            return self.country in values.IBAN_COUNTRIES
        return True

    def _once(self, hole: str) -> str:
        """The sample's one value for `hole`, drawn on first use."""
        if hole not in self._fixed:
            self._fixed[hole] = self._value(hole)
        return self._fixed[hole]

    def _value(self, hole: str) -> str:
        rng, c = self.rng, self.customer
        if hole == "card":
            return values.written_card(rng, self.card_digits, self.card_groups)
        if hole == "iban":
            return values.written_iban(rng, values.iban(rng, self.country))
        if hole == "ssn":
            return values.ssn(rng)
        if hole == "nino":
            return values.nino(rng)
        if hole in ("phone", "phone2"):
            return values.phone(rng, self.country)
        if hole == "company_phone":
            return values.company_phone(rng, self.country)
        if hole == "email":
            return values.email(rng, c.first, c.last, self.culture.email_domains)
        if hole == "agent_email":
            return values.email(rng, self.agent.first, self.agent.last, (self.company.domain,))
        if hole == "support_email":
            box = rng.choice(("support", "help", "care", "customer.care", "complaints"))
            return f"{box}@{self.company.domain}"
        if hole == "ip":
            return values.ipv4(rng)
        if hole == "ip6":
            return values.ipv6(rng)
        raise KeyError(hole)

    def fill(self, hole: str) -> tuple[str, str | None]:
        """The text for `hole` and the entity type to label it with (None: unlabelled)."""
        rng = self.rng
        people = {
            "name": self.customer.full,
            "first": self.customer.first,
            "last": self.customer.last,
            "name2": self.other.full,
            "agent": self.agent.full,
            "agent_first": self.agent.first,
        }
        if hole in people:
            return people[hole], "PERSON"
        if hole == "card_spoken":
            return values.spoken(rng, self.card_digits, self.card_groups), "CREDIT_CARD"
        labelled = {
            "card": "CREDIT_CARD",
            "iban": "IBAN_CODE",
            "ssn": "US_SSN",
            "nino": "UK_NINO",
            "phone": "PHONE_NUMBER",
            "phone2": "PHONE_NUMBER",
            "company_phone": "PHONE_NUMBER",
            "email": "EMAIL_ADDRESS",
            "agent_email": "EMAIL_ADDRESS",
            "support_email": "EMAIL_ADDRESS",
            "ip": "IP_ADDRESS",
            "ip6": "IP_ADDRESS",
        }
        if hole in labelled:
            return self._once(hole), labelled[hole]
        if hole == "title":
            return self.customer.title, None
        if hole == "company":
            return self.company.name, None
        if hole == "city":
            return rng.choice(parts.CITIES[self.country]), None
        if hole == "amount":
            return parts.amount(rng, self.country), None
        if hole == "account":
            return parts.account_number(rng, self.country), None
        return parts.NEGATIVES[hole](rng), None


def _holes(template: str) -> list[str]:
    return _HOLE.findall(template)


def _render(draft: _Draft, template: str, cast: _Cast) -> None:
    at = 0
    for m in _HOLE.finditer(template):
        draft.write(template[at : m.start()])
        draft.write(*cast.fill(m.group(1)))
        at = m.end()
    draft.write(template[at:])


def _draw(rng: random.Random, pool: Sequence[str], cast: _Cast, k: int) -> list[str]:
    """Up to `k` distinct lines of `pool` whose holes this sample can fill (in random order),
    with a line for each focus type of the sample not yet written, when `pool` has one."""
    usable = [t for t in pool if all(cast.available(h) for h in _holes(t))]
    chosen: list[str] = []
    for t in list(cast.focus):
        carrying = [x for x in usable if x not in chosen and set(_holes(x)) & set(_FOCUS_HOLES[t])]
        if carrying:
            chosen.append(rng.choice(carrying))
            cast.focus.remove(t)
    rest = [x for x in usable if x not in chosen]
    chosen += rng.sample(rest, max(0, min(k - len(chosen), len(rest))))
    rng.shuffle(chosen)
    return chosen


def _chat(d: _Draft, rng: random.Random, cast: _Cast) -> None:
    style = rng.choices(("plain", "named", "you", "stamped"), (40, 15, 30, 15))[0]
    who = {
        "plain": ("Customer: ", "Agent: "),
        "named": ("{name}: ", "{agent_first} ({company}): "),
        "you": ("You: ", "Agent {agent_first}: "),
        "stamped": ("[{time}] {first}: ", "[{time}] {agent}: "),
    }[style]
    turns = [(1, rng.choice(tpl.CHAT_OPEN_AGENT))]
    if rng.random() < 0.6:
        turns.append((0, rng.choice(tpl.CHAT_INTRO)))
    customer = _draw(rng, tpl.CHAT_CUSTOMER, cast, rng.randint(2, 5))
    agent = _draw(rng, tpl.CHAT_AGENT, cast, rng.randint(1, 3))
    while customer or agent:
        if customer:
            turns.append((0, customer.pop()))
        if agent and rng.random() < 0.7:
            turns.append((1, agent.pop()))
    turns.append(rng.choice(tpl.CHAT_CLOSE))
    for i, (speaker, line) in enumerate(turns):
        if i:
            d.write("\n")
        _render(d, who[speaker] + line, cast)


def _transcript(d: _Draft, rng: random.Random, cast: _Cast) -> None:
    labels = rng.choice((("CALLER", "AGENT"), ("Customer", "Agent"), ("Speaker 2", "Speaker 1")))
    stamped = rng.random() < 0.4
    clock = rng.randint(0, 30)
    turns = [(1, rng.choice(tpl.CALL_OPEN_AGENT))]
    if rng.random() < 0.7:
        turns.append((0, rng.choice(tpl.CALL_INTRO)))
    caller = _draw(rng, tpl.CALL_CALLER, cast, rng.randint(2, 5))
    agent = _draw(rng, tpl.CALL_AGENT, cast, rng.randint(1, 3))
    while caller or agent:
        if caller:
            turns.append((0, caller.pop()))
        if agent:
            turns.append((1, agent.pop()))
    turns.append(rng.choice(tpl.CALL_CLOSE))
    for i, (speaker, line) in enumerate(turns):
        if i:
            d.write("\n")
        if stamped:
            clock += rng.randint(3, 40)
            d.write(f"[{clock // 3600:02d}:{clock // 60 % 60:02d}:{clock % 60:02d}] ")
        d.write(f"{labels[speaker]}: ")
        _render(d, line, cast)


def _email(d: _Draft, rng: random.Random, cast: _Cast) -> None:
    subject = rng.choice(tpl.EMAIL_SUBJECTS)
    if rng.random() < 0.7:  # the customer writes in
        if rng.random() < 0.4:
            _render(d, "From: {name} <{email}>\nTo: {support_email}\n", cast)
        _render(d, f"Subject: {subject}\n\n{rng.choice(tpl.EMAIL_GREETINGS)}\n\n", cast)
        body = _draw(rng, tpl.EMAIL_BODY, cast, rng.randint(2, 4))
        _render(d, "\n\n".join(body) + "\n\n" + rng.choice(tpl.EMAIL_SIGNOFFS), cast)
        return
    greeting = rng.choice(("Dear {title} {last},", "Hi {first},", "Dear {name},"))
    _render(d, f"Subject: Re: {subject}\n\n{greeting}\n\n", cast)
    body = _draw(rng, tpl.EMAIL_REPLY_BODY, cast, rng.randint(2, 3))
    _render(d, "\n\n".join(body) + "\n\n" + rng.choice(tpl.EMAIL_REPLY_SIGNATURES), cast)
    if rng.random() < 0.5:
        quoted = _draw(rng, tpl.EMAIL_BODY, cast, 1)
        _render(d, "\n\n" + tpl.EMAIL_QUOTE + "\n> " + "\n> ".join(quoted), cast)


def _note(d: _Draft, rng: random.Random, cast: _Cast) -> None:
    if rng.random() < 0.6:
        _render(d, rng.choice(tpl.NOTE_HEADERS) + "\n", cast)
    lines = _draw(rng, tpl.NOTE_LINES, cast, rng.randint(2, 5))
    joiner = rng.choice(("\n", " ", "\n- "))
    if joiner == "\n- ":
        d.write("- ")
    _render(d, joiner.join(lines), cast)


_WRITERS = {"chat": _chat, "transcript": _transcript, "email": _email, "note": _note}


def sample(seed: int, i: int) -> Sample:
    """Sample `i` of the corpus of `seed`."""
    rng = random.Random(f"{seed}:{i}")
    kind = rng.choices(KINDS, _KIND_WEIGHTS)[0]
    country = rng.choices(parts.COUNTRIES, parts.COUNTRY_WEIGHTS)[0]
    draft = _Draft()
    _WRITERS[kind](draft, rng, _Cast(rng, country))
    return Sample(f"s{seed}-{i:05d}", kind, country, "".join(draft.parts), tuple(draft.labels))


def generate(n: int, seed: int) -> Iterator[Sample]:
    """The first `n` samples of the corpus of `seed`."""
    for i in range(n):
        yield sample(seed, i)


def write_corpus(path: Path, n: int, seed: int) -> int:
    """Write `generate(n, seed)` to `path` as JSON lines; the number of entities labelled.
    Raises BadInput when the file cannot be written."""
    labelled = 0
    try:
        with path.open("w", encoding="utf-8") as fh:
            for s in generate(n, seed):
                labelled += len(s.entities)
                fh.write(json.dumps(s.to_dict(), ensure_ascii=False) + "\n")
    except OSError as exc:
        raise BadInput(f"cannot write: {exc.strerror}", file=str(path)) from exc
    return labelled


def _offset(obj: dict[str, Any], key: str, where: str) -> int:
    v = obj.get(key)
    if not isinstance(v, int) or isinstance(v, bool):
        raise BadInput(f"{key} must be an integer", field=f"{where}.{key}")
    return v


def _label(obj: Any, i: int, text: str) -> Label:
    where = f"entities[{i}]"
    if not isinstance(obj, dict):
        raise BadInput("an entity must be a JSON object", field=where)
    kind = obj.get("entity_type")
    if kind not in ENTITIES:
        raise BadInput(
            f"entity_type must be one of {', '.join(ENTITIES)}, not {str(kind)[:40]!r}",
            field=f"{where}.entity_type",
        )
    start, end = _offset(obj, "start", where), _offset(obj, "end", where)
    if not 0 <= start < end <= len(text):
        raise BadInput(
            f"span [{start}, {end}) is empty or outside the text ({len(text)} characters)",
            field=f"{where}.end",
        )
    return Label(kind, start, end)


def _sample(obj: Any) -> Sample:
    if not isinstance(obj, dict):
        raise BadInput("a line must be a JSON object")
    sid = obj.get("id")
    if not isinstance(sid, str) or not sid:
        raise BadInput("id must be a non-empty string", field="id")
    text = obj.get("text")
    if not isinstance(text, str):
        raise BadInput("text must be a string", field="text")
    found: dict[str, str] = {}
    for key in ("kind", "country"):
        v = obj.get(key, "")
        if not isinstance(v, str):
            raise BadInput(f"{key} must be a string", field=key)
        found[key] = v
    entities = obj.get("entities")
    if not isinstance(entities, list):
        raise BadInput("entities must be a list", field="entities")
    labels = tuple(_label(e, i, text) for i, e in enumerate(entities))
    return Sample(sid, found["kind"], found["country"], text, labels)


def parse_corpus(text: str, source: str) -> list[Sample]:
    """Samples from JSON lines (blank lines ignored). Raises BadInput naming `source`, the line
    and the field at the first malformed line, or at a repeated id."""
    out: list[Sample] = []
    seen: set[str] = set()
    for n, obj in json_lines(text, source):
        try:
            s = _sample(obj)
        except BadInput as exc:
            raise BadInput(exc.reason, file=source, line=n, field=exc.location.field) from None
        if s.id in seen:
            raise BadInput(f"id {s.id!r} appears twice", file=source, line=n, field="id")
        seen.add(s.id)
        out.append(s)
    return out


def read_corpus(path: Path) -> list[Sample]:
    """The samples of `path`. Raises BadInput when it cannot be read or a line is malformed."""
    return parse_corpus(read_text(path), str(path))
