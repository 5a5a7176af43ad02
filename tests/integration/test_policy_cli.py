"""`strongroom policy …` driven as a security officer would: a real process, real files."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from strongroom.access.cedar import DEFAULT_SOURCE, POLICY_FILE, default_policy_text, parse_policy
from strongroom.errors import BadInput
from tests.integration.test_cli import Cli

CASES = """\
cases:
  - name: agent reveals the card of her payment ticket
    principal: {id: agent-1, role: agent, tenant: acme-bank, site: leeds}
    action: record.reveal
    resource: {tenant: acme-bank, subject: c-1, fields: [card_number]}
    purpose: refund on T-1
    facts:
      ticket: {id: T-1, tenant: acme-bank, subject: c-1, assignee: agent-1, kind: payment}
      shift_site: leeds
      badged_in_site: leeds
      training_current: true
      mfa_age_s: 120
      field_classes: [CREDIT_CARD]
    expect: allow
  - name: off shift
    principal: {id: agent-1, role: agent, tenant: acme-bank, site: leeds}
    action: record.get
    resource: {tenant: acme-bank, subject: c-1}
    facts:
      ticket: {tenant: acme-bank, subject: c-1, assignee: agent-1, kind: payment}
      badged_in_site: leeds
      training_current: true
    expect: deny
    condition: shift
  - name: supervisor under a pending break-glass grant
    principal: {id: sup-1, role: supervisor}
    action: record.get
    resource: {tenant: acme-bank, subject: c-1}
    facts:
      grants:
        - {kind: break_glass, tenant: acme-bank, actions: [record.get], approved: false}
    expect: deny
    condition: grant-unapproved
  - name: approving one's own request
    principal: {id: sup-1, role: supervisor}
    action: grant.approve
    resource: {tenant: acme-bank, subject: agent-1, kind: break_glass, requester: sup-1}
    expect: deny
    condition: second-person
"""

WRONG = """\
- name: client auditor reads another tenant's audit
  principal: {id: aud-1, role: client_auditor, tenant: acme-bank}
  action: audit.read
  resource: {tenant: zeta-retail}
  expect: allow
"""


@pytest.fixture
def bare(tmp_path: Path) -> Cli:
    """A CLI with no instance at its home."""
    return Cli(tmp_path / "home")


@pytest.fixture
def cli(bare: Cli) -> Cli:
    bare("init")
    return bare


def test_show_prints_the_packaged_default_when_none_is_installed(bare: Cli) -> None:
    shown = bare.json("policy", "show")
    assert isinstance(shown, dict)
    assert shown["source"] == DEFAULT_SOURCE
    assert shown["text"] == default_policy_text()
    assert "agent-ticket" in shown["ids"]
    human = bare("policy", "show").stdout
    assert human.startswith(f"// source: {DEFAULT_SOURCE}\n")
    assert '@id("forbid-off-shift")' in human


def test_validate_accepts_the_default_and_names_the_line_of_a_mistake(
    bare: Cli, tmp_path: Path
) -> None:
    good = tmp_path / "good.cedar"
    good.write_text(default_policy_text())
    assert bare.json("policy", "validate", str(good))["valid"] is True  # type: ignore[index]
    assert "valid: " in bare("policy", "validate", str(good)).stdout
    bad = tmp_path / "bad.cedar"
    bad.write_text(
        default_policy_text() + '\n@id("typo")\npermit (principal, action, resource)\n'
        'when { principal.rol == "agent" };\n'
    )
    proc = bare("policy", "validate", str(bad), "--json", code=2)
    err = json.loads(proc.stderr)
    lines = default_policy_text().count("\n")
    assert (err["file"], err["line"]) == (str(bad), lines + 2)
    assert "typo" in err["message"] and proc.stdout == ""
    human = bare("policy", "validate", str(bad), code=2).stderr
    assert f"{bad}:{lines + 2}" in human


def test_validate_lists_the_default_rules_an_older_file_lacks(bare: Cli, tmp_path: Path) -> None:
    """After an upgrade, an officer's copy of an older default lacks the new rules."""
    full = tmp_path / "full.cedar"
    full.write_text(default_policy_text())
    assert bare.json("policy", "validate", str(full))["missing_from_default"] == []  # type: ignore[index]
    older = tmp_path / "older.cedar"
    text = default_policy_text()
    start = text.index('@id("forbid-approval-or-erasure-without-fresh-mfa")')
    end = text.index(";", text.index("unless", start)) + 1
    older.write_text(text[:start] + text[end:])
    shown = bare.json("policy", "validate", str(older))
    assert shown["valid"] is True  # type: ignore[index]
    assert shown["missing_from_default"] == ["forbid-approval-or-erasure-without-fresh-mfa"]  # type: ignore[index]
    human = bare("policy", "validate", str(older)).stdout
    assert "in the packaged default (1): forbid-approval-or-erasure-without-fresh-mfa" in human


STALE_APPROVAL = """\
cases:
  - name: a supervisor approves a break-glass grant on a 20-minute-old second factor
    principal: {id: sup-2, role: supervisor}
    action: grant.approve
    resource: {tenant: acme-bank, subject: agent-1, kind: break_glass, requester: sup-1}
    facts: {mfa_age_s: 1200}
    expect: deny
    condition: mfa
"""


def _without(text: str, rule_id: str) -> str:
    """`text` less the policy `rule_id` (the default's policies end at their first `;`)."""
    start = text.index(f'@id("{rule_id}")')
    return text[:start] + text[text.index("};", start) + 2 :]


def test_merge_adds_the_missing_default_rules_and_keeps_the_officers_own(
    bare: Cli, tmp_path: Path
) -> None:
    """An older copy, edited by its officer: the merge adds what it lacks, changes nothing
    it has, and the result validates with nothing missing."""
    text = default_policy_text()
    older = _without(
        _without(text, "forbid-approval-or-erasure-without-fresh-mfa"), "vendor-under-grant"
    )
    # The officer's own wording of a default rule, under the default's @id: kept as written.
    edited = older.replace('"refund", "chargeback", "fraud-review"', '"refund"')
    assert edited != older
    mine = tmp_path / "mine.cedar"
    mine.write_text(edited)
    merged = tmp_path / "merged.cedar"
    shown = bare.json("policy", "merge", str(mine), "--out", str(merged))
    assert shown == {  # the default's order, not the order they were removed in
        "added": [
            {"id": "vendor-under-grant", "effect": "permit"},
            {"id": "forbid-approval-or-erasure-without-fresh-mfa", "effect": "forbid"},
        ],
        "differs_from_default": ["forbid-detokenize-outside-integration-purpose"],
        "out": str(merged),
    }
    out = merged.read_text()
    assert out.startswith(edited.rstrip("\n"))
    assert out.count('"refund", "chargeback", "fraud-review"') == 0
    assert out.count('@id("vendor-under-grant")') == 1
    assert "Added by `strongroom policy merge`" in out
    checked = bare.json("policy", "validate", str(merged))
    assert checked["missing_from_default"] == []  # type: ignore[index]
    assert checked["differs_from_default"] == [  # type: ignore[index]
        "forbid-detokenize-outside-integration-purpose"
    ]
    assert checked["policies"] == len(parse_policy(text, "default").rules)  # type: ignore[index]
    # The regained forbid decides: a stale second factor no longer approves a grant.
    cases = tmp_path / "stale.yaml"
    cases.write_text(STALE_APPROVAL)
    bare("policy", "test", str(cases), "--policy", str(mine), code=1)
    assert (
        "1 passed, 0 failed" in bare("policy", "test", str(cases), "--policy", str(merged)).stdout
    )
    again = bare("policy", "merge", str(merged), "--out", str(merged)).stdout
    assert "nothing to add" in again
    human = bare("policy", "merge", str(mine), "--out", str(tmp_path / "again.cedar")).stdout
    assert "added 1 permits (they widen access): vendor-under-grant" in human
    assert "added 1 forbids: forbid-approval-or-erasure-without-fresh-mfa" in human
    assert (
        "same @id as the packaged default but not the same rule; compare with `strongroom "
        "policy show --default`, kept as written (1): "
        "forbid-detokenize-outside-integration-purpose" in human
    )
    shown_default = bare("policy", "show", "--default").stdout
    assert shown_default.endswith(text) and "(packaged default)" in shown_default.split("\n")[0]


def test_merge_keeps_the_files_line_endings_and_mode_and_follows_a_link(
    bare: Cli, tmp_path: Path
) -> None:
    crlf = tmp_path / "crlf.cedar"
    crlf.write_bytes(
        _without(default_policy_text(), "vendor-under-grant").encode().replace(b"\n", b"\r\n")
    )
    shared = tmp_path / "shared.cedar"
    shared.write_text("old")
    shared.chmod(0o644)
    link = tmp_path / "link.cedar"
    link.symlink_to(shared)
    bare("policy", "merge", str(crlf), "--out", str(link))
    assert link.is_symlink() and stat.S_IMODE(shared.stat().st_mode) == 0o644
    written = shared.read_bytes()
    assert b'@id("vendor-under-grant")' in written
    assert written.count(b"\n") == written.count(b"\r\n") > 400
    assert b"\r\r" not in written  # read as text, written back with the file's own line ends
    assert bare.json("policy", "validate", str(link))["missing_from_default"] == []  # type: ignore[index]


def test_merge_never_writes_the_installed_policy(cli: Cli, tmp_path: Path) -> None:
    """That file changes only through `policy install`, which the ledger records."""
    installed = cli.home / POLICY_FILE
    older = tmp_path / "older.cedar"
    older.write_text(_without(default_policy_text(), "vendor-under-grant"))
    cli("policy", "install", str(older))
    before = installed.read_bytes()
    err = json.loads(
        cli("policy", "merge", str(installed), "-o", str(installed), "--json", code=2).stderr
    )
    assert err["file"] == str(installed) and "strongroom policy install" in err["message"]
    assert installed.read_bytes() == before
    assert sorted(p.name for p in cli.home.iterdir() if p.name.startswith(".")) == []


def test_merge_prints_to_stdout_without_out(bare: Cli, tmp_path: Path) -> None:
    older = tmp_path / "older.cedar"
    older.write_text(
        _without(default_policy_text(), "forbid-approval-or-erasure-without-fresh-mfa")
    )
    proc = bare("policy", "merge", str(older))
    assert '@id("forbid-approval-or-erasure-without-fresh-mfa")' in proc.stdout
    assert "added 1 forbids: forbid-approval-or-erasure-without-fresh-mfa" in proc.stderr
    doc = bare.json("policy", "merge", str(older))
    assert doc["out"] is None and doc["text"] == proc.stdout  # type: ignore[index]


def test_merge_refuses_a_bad_file_and_writes_nothing(bare: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.cedar"
    bad.write_text('@id("x")\npermit (principal, action, resource)\nwhen { principal.rol };\n')
    merged = tmp_path / "merged.cedar"
    err = json.loads(
        bare("policy", "merge", str(bad), "--out", str(merged), "--json", code=2).stderr
    )
    assert (err["file"], err["line"]) == (str(bad), 1)
    assert not merged.exists()
    missing = bare("policy", "merge", str(tmp_path / "nope.cedar"), code=2).stderr
    assert "cannot read" in missing
    nowhere = tmp_path / "no-such-dir" / "merged.cedar"
    older = tmp_path / "older.cedar"
    older.write_text(_without(default_policy_text(), "vendor-under-grant"))
    err = json.loads(
        bare("policy", "merge", str(older), "-o", str(nowhere), "--json", code=2).stderr
    )
    assert err["file"] == str(nowhere) and "cannot write" in err["message"]
    # A directory in the way: the temporary file is written, the rename fails, and it goes.
    folder = tmp_path / "folder"
    folder.mkdir()
    err = json.loads(
        bare("policy", "merge", str(older), "-o", str(folder), "--json", code=2).stderr
    )
    assert err["file"] == str(folder) and err["message"].endswith("cannot write: Is a directory")
    assert set(tmp_path.iterdir()) == {bad, older, folder}  # no temporary file left behind


def test_validate_refuses_a_missing_file(bare: Cli, tmp_path: Path) -> None:
    err = bare("policy", "validate", str(tmp_path / "nope.cedar"), code=2).stderr
    assert "cannot read" in err


def test_test_runs_the_cases_and_prints_a_table(bare: Cli, tmp_path: Path) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text(CASES)
    out = bare("policy", "test", str(cases)).stdout
    assert "4 passed, 0 failed" in out
    assert "deny (grant-unapproved)" in out
    report = bare.json("policy", "test", str(cases))
    assert isinstance(report, dict) and (report["passed"], report["failed"]) == (4, 0)
    assert report["cases"][1]["policies"][0] == "forbid-off-shift"


def test_test_exits_1_naming_the_failing_case(bare: Cli, tmp_path: Path) -> None:
    cases = tmp_path / "wrong.yaml"
    cases.write_text(WRONG)
    proc = bare("policy", "test", str(cases), code=1)
    assert "FAIL" in proc.stdout and "deny (tenant)" in proc.stdout
    assert "0 passed, 1 failed" in proc.stdout


def test_test_uses_the_policy_given_instead_of_the_one_in_force(bare: Cli, tmp_path: Path) -> None:
    cases = tmp_path / "wrong.yaml"
    cases.write_text(WRONG)
    lax = tmp_path / "lax.cedar"
    lax.write_text('@id("anything-goes")\npermit (principal, action, resource);\n')
    assert "1 passed, 0 failed" in bare("policy", "test", str(cases), "--policy", str(lax)).stdout


def test_test_names_the_line_and_field_of_a_bad_case(bare: Cli, tmp_path: Path) -> None:
    cases = tmp_path / "bad.yaml"
    cases.write_text(CASES.replace("    condition: shift\n", "    conditon: shift\n"))
    err = json.loads(bare("policy", "test", str(cases), "--json", code=2).stderr)
    assert (err["file"], err["line"], err["field"]) == (str(cases), 24, "conditon")
    cases.write_text(CASES.replace("expect: allow", "expect: maybe", 1))
    err = json.loads(bare("policy", "test", str(cases), "--json", code=2).stderr)
    assert (err["line"], err["field"]) == (14, "expect")


@pytest.mark.parametrize(
    ("change", "line", "field"),
    [
        # YAML keeps the last of two keys: the first case's expectation was overridden unsaid.
        (("    expect: allow\n", "    expect: deny\n    expect: allow\n"), 15, "expect"),
        (("    purpose: refund on T-1\n", "    purpose: !!python/object:os.system R\n"), 6,
         "purpose"),
        (("      mfa_age_s: 120\n", "      mfa_age_s: 2026-13-45\n"), 12, "mfa_age_s"),
        # Read as the machine's local time, the case passed on one machine and failed on another.
        (("      mfa_age_s: 120\n", "      mfa_age_s: 120\n      now: 2026-11-25T09:00:00\n"), 13,
         "now"),
        (("      mfa_age_s: 120\n", "      mfa_age_s: -5\n"), 12, "mfa_age_s"),
        (("      mfa_age_s: 120\n", "      mfa_age_s: .nan\n"), 12, "mfa_age_s"),
        (("    action: record.get\n", "    action: refund\x00\n"), None, None),
        (("cases:\n", "cases: " + "[" * 5000 + "]" * 5000 + "\n"), None, None),
        # Composed, then nested past what the constructor follows: a traceback before.
        (("      field_classes: [CREDIT_CARD]\n",
          "      field_classes: " + "[" * 400 + "]" * 400 + "\n"), 13, "field_classes"),
    ],
)  # fmt: skip
def test_yaml_the_safe_loader_refuses_is_bad_input_naming_the_line(
    change: tuple[str, str], line: int | None, field: str | None
) -> None:
    """Each was a Python traceback (ConstructorError, ValueError, ReaderError, RecursionError)
    or silently taken."""
    from strongroom.cli.policy import parse_cases

    with pytest.raises(BadInput) as err:
        parse_cases(CASES.replace(*change, 1), "cases.yaml")
    assert err.value.location.file == "cases.yaml"
    if line is not None:
        assert (err.value.location.line, err.value.location.field) == (line, field)


def test_install_needs_an_instance(bare: Cli, tmp_path: Path) -> None:
    good = tmp_path / "good.cedar"
    good.write_text(default_policy_text())
    assert "strongroom init" in bare("policy", "install", str(good), code=1).stderr


def test_install_validates_copies_and_records_in_the_ledger(cli: Cli, tmp_path: Path) -> None:
    mine = tmp_path / "mine.cedar"
    mine.write_text(default_policy_text().replace('"fraud-review"', '"fraud-review", "audit"'))
    done = cli.json("policy", "install", str(mine))
    assert isinstance(done, dict) and done["installed"] is True
    installed = cli.home / POLICY_FILE
    assert installed.read_text() == mine.read_text()
    assert installed.stat().st_mode & 0o777 == 0o600
    shown = cli.json("policy", "show")
    assert shown["source"] == str(installed) and shown["sha256"] == done["sha256"]  # type: ignore[index]
    (entry,) = [
        json.loads(line)
        for line in cli("audit", "log", "--action", "policy.install", "--json").stdout.splitlines()
    ]
    assert entry["outcome"]["decision"] == "allowed"
    assert done["sha256"] in json.dumps(entry)


def test_install_refuses_a_bad_file_and_keeps_the_policy_in_force(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.cedar"
    bad.write_text('@id("x")\n@condition("role")\nforbid (principal, action, resource);\n')
    err = cli("policy", "install", str(bad), code=2).stderr
    assert "permits nothing" in err
    assert not (cli.home / POLICY_FILE).exists()
    assert cli.json("policy", "show")["source"] == DEFAULT_SOURCE  # type: ignore[index]


@pytest.mark.parametrize("command", ["show", "validate", "test", "install"])
def test_every_command_shows_an_example(bare: Cli, command: str) -> None:
    assert "Example: strongroom policy" in bare("policy", command, "--help").stdout


def test_install_repairs_a_broken_installed_policy(cli: Cli, tmp_path: Path) -> None:
    (cli.home / POLICY_FILE).write_text("permit (principal, action, resource) when {")
    err = json.loads(cli("policy", "show", "--json", code=2).stderr)
    assert err["file"] == str(cli.home / POLICY_FILE) and err["line"] == 1
    good = tmp_path / "good.cedar"
    good.write_text(default_policy_text())
    cli("policy", "install", str(good))
    assert (
        cli.json("policy", "show")["sha256"]
        == cli.json("policy", "validate", str(good))[  # type: ignore[index]
            "sha256"
        ]
    )
