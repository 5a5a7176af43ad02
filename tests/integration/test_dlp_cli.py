"""`strongroom dlp scan` and `dlp redact` as a user or script runs them: a real process, real
files. One output line per input line, always; bad lines are exit 2 naming file, line and
field; hash and tokenize take a tenant and its instance; no value is ever printed by scan."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from strongroom.sim.customers import SPEC_YAML, card
from tests.integration.test_cli import Cli

CARD = card(random.Random(17))
EMAIL = "pat.smith@example.org"
WITH_CARD = f"Refund to card {CARD} agreed, confirm to {EMAIL}."
PLAIN = "Called about a late delivery."


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    c = Cli(tmp_path / "home")
    c("init")
    (tmp_path / "acme.yaml").write_text(SPEC_YAML.format(tenant="acme-bank", name="Acme Bank"))
    c("tenant", "create", str(tmp_path / "acme.yaml"))
    return c


@pytest.fixture
def bare(tmp_path: Path) -> Cli:
    """No instance at all: scan, redact and mask need none."""
    return Cli(tmp_path / "nowhere")


def write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def jsonl(tmp_path: Path, docs: list[dict[str, object] | None]) -> Path:
    return write(tmp_path, "notes.jsonl", ["" if d is None else json.dumps(d) for d in docs])


def test_scan_json_gives_exactly_one_line_of_findings_per_input_line(
    bare: Cli, tmp_path: Path
) -> None:
    docs: list[dict[str, object] | None] = [
        {"id": "n-1", "text": WITH_CARD, "agent": "ana"},
        None,
        {"text": PLAIN},
        {"text": ""},
    ]
    out = bare("dlp", "scan", "--json", str(jsonl(tmp_path, docs))).stdout
    lines = out.splitlines()
    assert len(lines) == 4
    results = [json.loads(line) for line in lines]
    spans = {(f["entity_type"], WITH_CARD[f["start"] : f["end"]]) for f in results[0]}
    assert {("CREDIT_CARD", CARD), ("EMAIL_ADDRESS", EMAIL)} <= spans
    assert results[1:] == [[], [], []]
    assert CARD not in out and EMAIL not in out


def test_scan_of_plain_text_reads_one_text_per_line_and_summarises_without_values(
    bare: Cli, tmp_path: Path
) -> None:
    path = write(tmp_path, "notes.txt", [WITH_CARD, PLAIN, "", '{"text": "not json here"}'])
    as_json = bare("dlp", "scan", "--json", str(path)).stdout.splitlines()
    assert len(as_json) == 4 and json.loads(as_json[1]) == []
    human = bare("dlp", "scan", str(path)).stdout
    lines = human.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("1: ") and "CREDIT_CARD" in lines[0] and "EMAIL_ADDRESS" in lines[0]
    assert lines[1] == "2: -"
    assert CARD not in human and EMAIL not in human


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ('{"id": "n-2"}', "no 'text'"),
        ('{"text": 42}', "a int"),
        ('{"text": null}', "a NoneType"),
    ],
)
def test_a_json_line_without_a_string_text_is_exit_2_naming_file_line_and_field(
    bare: Cli, tmp_path: Path, line: str, words: str
) -> None:
    path = write(tmp_path, "notes.jsonl", [json.dumps({"text": PLAIN}), line])
    err = bare("dlp", "scan", str(path), code=2).stderr
    assert f"{path}:2" in err and "field 'text'" in err and words in err
    problem = json.loads(bare("dlp", "scan", "--json", str(path), code=2).stderr)
    assert (problem["file"], problem["line"], problem["field"]) == (str(path), 2, "text")


def test_a_line_that_is_not_json_is_exit_2(bare: Cli, tmp_path: Path) -> None:
    path = write(tmp_path, "notes.jsonl", [json.dumps({"text": PLAIN}), "{oops"])
    assert f"{path}:2" in bare("dlp", "scan", str(path), code=2).stderr


def test_redact_and_mask_keep_lines_and_the_other_keys(bare: Cli, tmp_path: Path) -> None:
    plain = write(tmp_path, "notes.txt", [WITH_CARD, "", PLAIN])
    assert bare("dlp", "redact", str(plain), "--operator", "redact").stdout.splitlines() == [
        "Refund to card <CREDIT_CARD> agreed, confirm to <EMAIL_ADDRESS>.",
        "",
        PLAIN,
    ]
    docs: list[dict[str, object] | None] = [{"id": "n-1", "text": WITH_CARD}, None]
    out = bare("dlp", "redact", str(jsonl(tmp_path, docs)), "--operator", "mask").stdout
    first, blank = out.splitlines()
    assert json.loads(first) == {
        "id": "n-1",
        "text": "Refund to card " + "*" * 12 + CARD[-4:] + " agreed, confirm to p***@e***.org.",
    }
    assert blank == ""


@pytest.mark.parametrize("operator", ["hash", "tokenize"])
def test_hash_and_tokenize_need_a_tenant(bare: Cli, tmp_path: Path, operator: str) -> None:
    plain = write(tmp_path, "notes.txt", [WITH_CARD])
    err = bare("dlp", "redact", str(plain), "--operator", operator, code=2).stderr
    assert "tenant" in err


def test_an_unknown_operator_is_exit_2(bare: Cli, tmp_path: Path) -> None:
    plain = write(tmp_path, "notes.txt", [WITH_CARD])
    err = bare("dlp", "redact", str(plain), "--operator", "shred", code=2).stderr
    assert "shred" in err and "redact" in err


def test_hash_is_one_pseudonym_per_value_within_the_tenant(cli: Cli, tmp_path: Path) -> None:
    plain = write(tmp_path, "notes.txt", [f"mail {EMAIL}", f"mail {EMAIL.upper()}"])
    args = ("dlp", "redact", str(plain), "--operator", "hash", "--tenant", "acme-bank")
    one, two = cli(*args).stdout.splitlines()
    assert re.fullmatch(r"mail <EMAIL_ADDRESS#[0-9a-f]{16}>", one)
    assert one == two


def test_tokenize_gives_tokens_that_detokenize_to_the_card(cli: Cli, tmp_path: Path) -> None:
    plain = write(tmp_path, "notes.txt", [WITH_CARD])
    args = ("dlp", "redact", str(plain), "--operator", "tokenize", "--tenant", "acme-bank")
    [line] = cli(*args).stdout.splitlines()
    [token] = re.findall(r"\d{12,19}", line)
    assert line == f"Refund to card {token} agreed, confirm to <EMAIL_ADDRESS>."
    back = cli("token", "detokenize", "--tenant", "acme-bank", token, "--purpose", "refund")
    assert back.stdout.strip() == CARD


def test_an_unknown_tenant_is_bad_input_naming_it(cli: Cli, tmp_path: Path) -> None:
    plain = write(tmp_path, "notes.txt", [WITH_CARD])
    args = ("dlp", "redact", str(plain), "--operator", "hash", "--tenant", "nope-bank")
    assert "nope-bank" in cli(*args, code=2).stderr
