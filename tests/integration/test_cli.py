"""The CLI contract, driven as a user or script would: a real process, real files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from stdnum import luhn

from strongroom.sim.customers import SPEC_YAML, customers
from tests.conftest import SOFTHSM_MODULES, _missing

EXE = str(Path(sys.executable).with_name("strongroom"))


class Cli:
    def __init__(self, home: Path, extra_env: dict[str, str] | None = None) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("STRONGROOM_")}
        self.env["STRONGROOM_HOME"] = str(home)
        self.env.update(extra_env or {})
        self.home = home

    def __call__(
        self, *args: str, code: int = 0, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [EXE, *args],
            check=False,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            input=stdin if stdin is not None else "",
        )
        assert proc.returncode == code, (args, proc.returncode, proc.stdout, proc.stderr)
        return proc

    def json(self, *args: str) -> object:
        return json.loads(self(*args, "--json").stdout)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    c = Cli(tmp_path / "home")
    c("init")
    (tmp_path / "acme.yaml").write_text(SPEC_YAML.format(tenant="acme-bank", name="Acme Bank"))
    c("tenant", "create", str(tmp_path / "acme.yaml"))
    return c


def test_init_makes_a_private_key_file_and_refuses_twice(cli: Cli) -> None:
    key = cli.home / "root.key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert cli.home.stat().st_mode & 0o777 == 0o700
    err = cli("init", code=1).stderr
    assert "already exists" in err


def test_put_get_reveal_find_token_rotate_erase(cli: Cli, tmp_path: Path) -> None:
    rows = list(customers(40, seed=12))
    data = tmp_path / "customers.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert cli.json("record", "put", "--tenant", "acme-bank", str(data)) == {
        "tenant": "acme-bank",
        "created": 40,
        "updated": 0,
    }
    r = rows[5]
    got = cli.json("record", "get", "--tenant", "acme-bank", r["id"])
    assert isinstance(got, dict)
    assert got["fields"]["card_number"].endswith(r["card_number"][-4:])
    assert r["email"] not in json.dumps(got)
    human = cli("record", "get", "--tenant", "acme-bank", r["id"]).stdout
    assert r["card_number"] not in human and r["email"] not in human
    shown = cli(
        "record",
        "reveal",
        "--tenant",
        "acme-bank",
        r["id"],
        "card_number",
        "--purpose",
        "refund on T-100",
    ).stdout.strip()
    assert shown == r["card_number"]
    found = cli.json("record", "find", "--tenant", "acme-bank", f"email={r['email'].upper()}")
    assert [f["id"] for f in found] == [r["id"]]  # type: ignore[union-attr, index]
    token = cli(
        "token", "tokenize", "--tenant", "acme-bank", "--class", "CREDIT_CARD", r["card_number"]
    ).stdout.strip()
    assert token == got["tokens"]["card_number"] and not luhn.is_valid(token)
    assert (
        cli("token", "detokenize", "--tenant", "acme-bank", token).stdout.strip()
        == r["card_number"]
    )
    rot = cli.json("keys", "rotate", "--tenant", "acme-bank", "--rewrap")
    assert rot["new_version"] == 2 and rot["rewrapped_subject_keys"] == 40  # type: ignore[index]
    cli("record", "erase", "--tenant", "acme-bank", r["id"])
    err = cli(
        "record", "reveal", "--tenant", "acme-bank", r["id"], "email", "--purpose", "after", code=1
    ).stderr
    assert "erased" in err
    listed = cli.json("tenant", "list")
    assert listed[0]["records"] == 39  # type: ignore[index]


def test_a_latin1_csv_is_refused_at_its_line_and_a_bom_is_dropped(cli: Cli, tmp_path: Path) -> None:
    rows = list(customers(3, seed=14))
    header = list(rows[0])
    text = (
        ",".join(header)
        + "\n"
        + "".join(",".join(f'"{r[h]}"' for h in header) + "\n" for r in rows)
    )
    path = tmp_path / "excel.csv"
    path.write_bytes(
        text.replace(str(rows[1]["full_name"]), "Ren\u00e9e Dupr\u00e9").encode("latin-1")
    )
    err = json.loads(
        cli("record", "put", "--tenant", "acme-bank", str(path), "--json", code=2).stderr
    )
    assert (err["file"], err["line"]) == (str(path), 3) and "UTF-8" in err["message"]
    assert cli.json("tenant", "list")[0]["records"] == 0  # type: ignore[index]
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())  # Excel's "CSV UTF-8"
    assert cli.json("record", "put", "--tenant", "acme-bank", str(path))["created"] == 3  # type: ignore[index]


def test_bad_line_in_csv_exits_2_naming_file_line_and_field(cli: Cli, tmp_path: Path) -> None:
    rows = list(customers(10, seed=13))
    rows[6]["email"] = "not-an-email"
    path = tmp_path / "batch.csv"
    header = list(rows[0])
    path.write_text(
        ",".join(header)
        + "\n"
        + "".join(",".join(f'"{r[h]}"' for h in header) + "\n" for r in rows)
    )
    proc = cli("record", "put", "--tenant", "acme-bank", str(path), "--json", code=2)
    err = json.loads(proc.stderr)
    assert (err["file"], err["line"], err["field"]) == (str(path), 8, "email")
    assert proc.stdout == ""
    assert cli.json("tenant", "show", "acme-bank")["records"] == 0  # type: ignore[index]


@pytest.mark.parametrize(
    ("spec", "line", "field"),
    [
        (
            "tenant: acme\nname: A\nretention_days: 30\nfields:\n  a: {class: NOPE}\n",
            5,
            "fields.a.class",
        ),
        (
            "tenant: acme\nname: A\nretention_days: thirty\nfields:\n  a: {class: PERSON}\n",
            3,
            "retention_days",
        ),
        (
            "tenant: acme\nname: A\nretention_days: 30\nfields:\n"
            "  e: {class: EMAIL_ADDRESS, searchabel: true}\n",
            5,
            "fields.e.searchabel",
        ),
    ],
)
def test_bad_spec_exits_2_naming_file_line_and_field(
    cli: Cli, tmp_path: Path, spec: str, line: int, field: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(spec)
    err = json.loads(cli("tenant", "create", str(path), "--json", code=2).stderr)
    assert (err["file"], err["line"], err["field"]) == (str(path), line, field)
    human = cli("tenant", "create", str(path), code=2).stderr
    assert f"{path}:{line}" in human and field in human


def test_usage_errors_and_unknown_things(cli: Cli, tmp_path: Path) -> None:
    rows = tmp_path / "one.jsonl"
    rows.write_text(json.dumps(next(iter(customers(1, seed=3)))) + "\n")
    cli("record", "find", "--tenant", "acme-bank", "email", code=2)
    cli("record", "find", "--tenant", "acme-bank", "notes=hello", code=2)
    cli("record", "get", "--tenant", "acme-bank", "nobody", code=2)
    cli("record", "get", "--tenant", "nobank", "c-1", code=2)
    # An unknown --tenant is bad input for every command that takes one, as it is for a
    # ticket file naming one: the caller retypes it (exit 2, the tenant named).
    for args in (
        ("record", "put", "--tenant", "nobank", str(rows)),
        ("token", "tokenize", "--tenant", "nobank", "4111111111111111"),
        (
            "grant",
            "request",
            "--tenant",
            "nobank",
            "--grantee",
            "sam",
            "--kind",
            "break_glass",
            "--actions",
            "record.get",
            "--fields",
            "card_number",
            "--reason",
            "incident 7 review",
            "--hours",
            "1",
        ),
        ("principal", "add", "pat", "--role", "agent", "--tenant", "nobank", "--site", "lon-1"),
    ):
        assert "nobank" in cli(*args, code=2).stderr, args
    cli("record", "reveal", "--tenant", "acme-bank", "c-1", "email", code=2)  # --purpose missing
    cli("token", "detokenize", "--tenant", "acme-bank", "4111111111111111", code=2)
    cli("record", "put", "--tenant", "acme-bank", "/nonexistent.jsonl", code=2)


def test_uninitialised_home_says_what_to_do(tmp_path: Path) -> None:
    err = Cli(tmp_path / "empty")("tenant", "list", code=1).stderr
    assert "strongroom init" in err


def test_every_command_has_help_with_an_example() -> None:
    for cmd in (
        ["init"],
        ["demo"],
        ["tenant", "create"],
        ["record", "put"],
        ["record", "reveal"],
        ["record", "find"],
        ["token", "tokenize"],
        ["keys", "rotate"],
    ):
        out = subprocess.run(
            [EXE, *cmd, "--help"], check=False, capture_output=True, text=True
        ).stdout
        assert "Example" in out, cmd


def test_demo_runs_every_step_twice_and_prints_no_secret(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "demo")
    first, second = cli("demo"), cli("demo")
    for proc in (first, second):
        lines = proc.stdout.splitlines()
        assert len(lines) >= 12 and "reveal now fails" in lines[-2], proc.stdout
        assert "retired key versions 1, 2 after re-wrapping 299 subject keys" in lines[-1]
        text = proc.stdout + proc.stderr
        for r in customers(300, seed=11, prefix="demo"):
            assert r["card_number"] not in text and r["email"] not in text
            assert r["iban"] not in text
    assert "demo-bank-2" in second.stdout


def test_init_with_hsm_keeps_the_root_key_in_the_token(tmp_path: Path) -> None:
    util = shutil.which("softhsm2-util")
    module = next((m for m in SOFTHSM_MODULES if Path(m).exists()), None)
    if util is None or module is None:
        _missing("SoftHSM2", "STRONGROOM_REQUIRE_HSM", "softhsm2-util or libsofthsm2.so not found")
    assert util is not None and module is not None
    (tmp_path / "tokens").mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tmp_path / 'tokens'}\nobjectstore.backend = file\n")
    env = {"SOFTHSM2_CONF": str(conf), "SR_PIN": "1234"}
    subprocess.run(
        [
            util,
            "--init-token",
            "--free",
            "--label",
            "cli-token",
            "--pin",
            "1234",
            "--so-pin",
            "5678",
        ],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    cli = Cli(tmp_path / "home", env)
    out = cli.json(
        "init", "--hsm-module", module, "--hsm-token", "cli-token", "--hsm-pin-env", "SR_PIN"
    )
    assert out["provider"] == "pkcs11"  # type: ignore[index]
    assert not (cli.home / "root.key").exists()
    (tmp_path / "acme.yaml").write_text(SPEC_YAML.format(tenant="acme-bank", name="Acme"))
    cli("tenant", "create", str(tmp_path / "acme.yaml"))
    card = "4111111111111111"
    token = cli("token", "tokenize", "--tenant", "acme-bank", card).stdout.strip()
    assert cli("token", "detokenize", "--tenant", "acme-bank", token).stdout.strip() == card
    wrong = Cli(tmp_path / "home", {**env, "SR_PIN": "0000"})
    assert "token" in wrong("tenant", "list", code=1).stderr.lower()
    unset = Cli(tmp_path / "home", {"SOFTHSM2_CONF": str(conf)})
    assert "SR_PIN" in unset("tenant", "list", code=1).stderr


def test_audit_commands_exit_0_intact_1_tampered_2_bad_input(cli: Cli, tmp_path: Path) -> None:
    rows = list(customers(5, seed=14))
    data = tmp_path / "c.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    cli("record", "put", "--tenant", "acme-bank", str(data))
    cli("record", "reveal", "--tenant", "acme-bank", rows[0]["id"], "email", "--purpose", "T-1")
    note = cli.json("audit", "checkpoint")
    assert note["size"] == 3  # type: ignore[index]
    (tmp_path / "cp.json").write_text(json.dumps(note))
    assert cli.json("audit", "verify", "--against", str(tmp_path / "cp.json"))["intact"] is True  # type: ignore[index]
    proof = cli("audit", "prove", "2").stdout
    (tmp_path / "proof.json").write_text(proof)
    (tmp_path / "key.pem").write_text(cli("audit", "public-key").stdout)
    ok = Cli(tmp_path / "elsewhere")  # no instance needed to check a proof
    ok(
        "audit",
        "verify-proof",
        str(tmp_path / "proof.json"),
        "--public-key",
        str(tmp_path / "key.pem"),
    )
    bad = json.loads(proof)
    bad["entry"] = bad["entry"].replace("record.reveal", "record.get")
    assert bad["entry"] != json.loads(proof)["entry"]
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    ok(
        "audit",
        "verify-proof",
        str(tmp_path / "bad.json"),
        "--public-key",
        str(tmp_path / "key.pem"),
        code=1,
    )
    (tmp_path / "junk.json").write_text("{not json")
    ok(
        "audit",
        "verify-proof",
        str(tmp_path / "junk.json"),
        "--public-key",
        str(tmp_path / "key.pem"),
        code=2,
    )
    lines = cli("audit", "log", "--action", "record.reveal", "--json").stdout.splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["purpose"] == "T-1"
    ocsf = cli("audit", "export", "--format", "ocsf").stdout.splitlines()
    # The search just made is itself recorded: reading the ledger is a use of it too.
    assert len(ocsf) == 4 and json.loads(ocsf[0])["class_uid"] == 6003
    assert json.loads(ocsf[3])["api"]["operation"] == "audit.search"
    cli("audit", "export", "--format", "xml", code=2)
    import sqlite3

    with sqlite3.connect(cli.home / "strongroom.db") as db:
        db.execute(
            "UPDATE audit_entries SET body = replace(body, 'operator:', 'nobody:') WHERE seq = 1"
        )
    report = json.loads(cli("audit", "verify", "--json", code=1).stdout)
    assert report["problems"][0].startswith("entry 1: does not chain")


def test_a_card_or_a_search_value_can_come_from_stdin_not_the_command_line(
    cli: Cli, tmp_path: Path
) -> None:
    """`-` reads the value from standard input: an argument stays in the shell's history and
    shows in every user's `ps` while the command runs."""
    rows = list(customers(3, seed=21))
    data = tmp_path / "c.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    cli("record", "put", "--tenant", "acme-bank", str(data))
    card = rows[1]["card_number"]
    by_arg = cli("token", "tokenize", "--tenant", "acme-bank", card).stdout
    by_stdin = cli("token", "tokenize", "--tenant", "acme-bank", "-", stdin=card + "\n").stdout
    assert by_stdin == by_arg and card not in by_stdin
    found = json.loads(
        cli(
            "record",
            "find",
            "-t",
            "acme-bank",
            "email=-",
            "--json",
            stdin="\ufeff" + rows[1]["email"] + "\r\n",  # as Notepad saves it
        ).stdout
    )
    assert [r["id"] for r in found] == [rows[1]["id"]]
    for args in (
        ("token", "tokenize", "-t", "acme-bank", "-"),
        ("record", "find", "-t", "acme-bank", "email=-"),
    ):
        err = json.loads(cli(*args, "--json", code=2, stdin="").stderr)
        assert "standard input" in err["message"]
