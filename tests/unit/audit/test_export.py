"""SIEM formats: OCSF events carry the API Activity class's fields; CEF survives hostile text."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strongroom.audit.export.cef import Cef
from strongroom.audit.export.ocsf import event

SCHEMA = json.loads(
    (Path(__file__).parents[2] / "vectors" / "ocsf_api_activity_1.3.json").read_text()
)
HOSTILE = [
    "a|b",
    "x=y",
    "back\\slash",
    "line\nbreak",
    "cr\rlf",
    "|=\\\n",
    "cs1=forged act=x",
    "é ✓ 中文",
    "\\|",
    "end\\",
]


def entry(**over: Any) -> dict[str, Any]:
    base = {
        "v": 1,
        "ts": "2026-11-24T01:02:03.456789Z",
        "principal": "agent:pat",
        "role": "agent",
        "tenant": "acme-bank",
        "action": "record.reveal",
        "resource": {"subjects": ["c-000001"], "fields": ["card_number"]},
        "outcome": {"decision": "allowed", "reason": "ticket T-1", "policies": ["p1"]},
        "context": {"ip": "10.0.0.7", "ticket": "T-1"},
        "purpose": "refund",
    }
    base.update(over)
    return base


def _check(obj: dict[str, Any], spec: dict[str, Any], where: str) -> None:
    for name in spec.get("required", []):
        assert name in obj, f"{where}.{name} is required"
    if "at_least_one" in spec:
        assert any(k in obj for k in spec["at_least_one"]), f"{where} needs one of its ids"
    unknown = set(obj) - set(spec["attributes"])
    assert not unknown, f"{where} has attributes the class does not define: {unknown}"


def validate(ev: dict[str, Any]) -> None:
    _check(ev, SCHEMA, "event")
    assert ev["class_uid"] == SCHEMA["class_uid"] and ev["category_uid"] == SCHEMA["category_uid"]
    assert ev["type_uid"] == ev["class_uid"] * 100 + ev["activity_id"]
    for enum in ("activity_id", "severity_id", "status_id"):
        assert ev[enum] in SCHEMA[enum], enum
    assert isinstance(ev["time"], int) and ev["time"] > 1_700_000_000_000
    objects = SCHEMA["objects"]
    _check(ev["metadata"], objects["metadata"], "metadata")
    _check(ev["metadata"]["product"], objects["product"], "metadata.product")
    _check(ev["api"], objects["api"], "api")
    _check(ev["actor"], objects["actor"], "actor")
    _check(ev["actor"]["user"], objects["user"], "actor.user")
    _check(ev["src_endpoint"], objects["src_endpoint"], "src_endpoint")
    for r in ev.get("resources", []):
        _check(r, objects["resource"], "resources[]")


@pytest.mark.parametrize(
    "e",
    [
        entry(),
        entry(action="record.put", context={}),
        entry(action="record.erase"),
        entry(outcome={"decision": "denied", "reason": "no ticket", "policies": []}),
        entry(action="tenant.list", tenant=None, resource={}),
        entry(action="something.new"),
    ],
)
def test_ocsf_events_validate_against_api_activity(e: dict[str, Any]) -> None:
    ev = event(12, e)
    validate(ev)
    assert ev["unmapped"]["strongroom"]["index"] == 12


def test_ocsf_maps_outcome_and_activity() -> None:
    denied = event(1, entry(outcome={"decision": "denied", "reason": "off shift", "policies": []}))
    assert (denied["status_id"], denied["status_detail"], denied["activity_id"]) == (
        2,
        "off shift",
        2,
    )
    assert event(1, entry(action="record.erase"))["activity_id"] == 4


def parse_cef(line: str) -> tuple[list[str], dict[str, str]]:
    """An independent CEF reader: header split on unescaped pipes, extension on key=."""
    assert line.startswith("CEF:0|") and "\n" not in line and "\r" not in line
    parts, buf, i = [], "", 6
    while len(parts) < 6:
        ch = line[i]
        if ch == "\\":
            buf += line[i + 1]
            i += 2
            continue
        if ch == "|":
            parts.append(buf)
            buf = ""
        else:
            buf += ch
        i += 1
    ext = line[i:]
    keys = list(re.finditer(r"(?:^| )([A-Za-z0-9]+)=", ext))
    out = {}
    for n, m in enumerate(keys):
        end = keys[n + 1].start() if n + 1 < len(keys) else len(ext)
        raw = ext[m.end() : end]
        out[m.group(1)] = re.sub(
            r"\\(.)", lambda x: {"n": "\n", "r": "\r"}.get(x.group(1), x.group(1)), raw
        )
    return parts, out


@pytest.mark.parametrize("hostile", HOSTILE)
def test_cef_escapes_hostile_text(hostile: str) -> None:
    line = Cef().line(
        3,
        entry(
            principal=hostile,
            purpose=hostile,
            action=f"record.{hostile}",
            context={"ticket": hostile},
        ),
    )
    header, ext = parse_cef(line)
    assert header[0:3] == ["Strongroom", "Strongroom", "0.1.0"]
    assert header[3] == f"record.{hostile}".replace("\n", " ").replace("\r", " ")
    assert ext["suser"] == hostile and ext["cs4"] == hostile and ext["cs5"] == hostile
    assert ext["cn1"] == "3" and ext["cs1"] == "acme-bank"


@settings(max_examples=300)
@given(st.text(max_size=40))
def test_cef_round_trips_any_text(text: str) -> None:
    line = Cef().line(7, entry(principal=text or "x", purpose=text))
    _, ext = parse_cef(line)
    assert ext["suser"] == (text or "x").replace("\r\n", "\n") and ext["cs4"] == text.replace(
        "\r\n", "\n"
    )
