"""`strongroom principal …` driven as an operator or a script would: a real process."""

from __future__ import annotations

import json
from pathlib import Path

import pyotp
import pytest

from strongroom.access import Principal, identity
from strongroom.errors import Unauthenticated
from strongroom.instance import open_instance
from strongroom.sim.customers import SPEC_YAML
from tests.integration.test_cli import Cli


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    c = Cli(tmp_path / "home")
    c("init")
    (tmp_path / "acme.yaml").write_text(SPEC_YAML.format(tenant="acme-bank", name="Acme Bank"))
    c("tenant", "create", str(tmp_path / "acme.yaml"))
    return c


def _login(cli: Cli, name: str, password: str, totp_uri: str) -> Principal:
    totp = pyotp.parse_uri(totp_uri)
    assert isinstance(totp, pyotp.TOTP)
    inst = open_instance(cli.home)
    try:  # a first sign-in: the password set at enrolment or reset is replaced
        session = identity.login(inst, name, password, totp.now(), new_password=password[::-1])
        return identity.authenticate(inst, session.token)
    finally:
        inst.close()


def test_add_shows_the_password_and_totp_uri_once_and_they_work(cli: Cli) -> None:
    out = cli.json(
        "principal", "add", "pat.lee", "--role", "agent", "--tenant", "acme-bank", "--site", "lon-1"
    )
    assert isinstance(out, dict)
    assert set(out) == {"principal", "role", "tenant", "site", "password", "totp_uri"}
    assert out["principal"] == "pat.lee" and out["role"] == "agent" and out["site"] == "lon-1"
    assert str(out["totp_uri"]).startswith("otpauth://totp/")
    assert _login(cli, "pat.lee", str(out["password"]), str(out["totp_uri"])).id == "pat.lee"
    listed = cli.json("principal", "list")
    assert isinstance(listed, list) and [p["id"] for p in listed] == ["pat.lee"]
    assert str(out["password"]) not in json.dumps(listed)


def test_human_output_labels_the_secrets_plainly(cli: Cli) -> None:
    shown = cli("principal", "add", "sam", "--role", "supervisor").stdout
    assert "Shown this once" in shown
    password = next(line for line in shown.splitlines() if line.startswith("password"))
    uri = next(line for line in shown.splitlines() if line.startswith("TOTP provisioning URI"))
    assert len(password.split()[-1]) == 20
    assert uri.split()[-1].startswith("otpauth://totp/Strongroom:sam?")
    table = cli("principal", "list").stdout
    assert "sam" in table and "supervisor" in table and "active" in table


def test_service_account_gets_an_api_key_and_loses_it_when_disabled(cli: Cli) -> None:
    out = cli.json("principal", "add", "crm-sync", "--role", "service", "--tenant", "acme-bank")
    assert out == {
        "principal": "crm-sync",
        "role": "service",
        "tenant": "acme-bank",
        "site": None,
        "password": None,
        "totp_uri": None,
    }
    issued = cli.json("principal", "apikey", "crm-sync")
    assert isinstance(issued, dict) and issued["principal"] == "crm-sync"
    key = str(issued["api_key"])
    assert key.startswith("srk_")
    human = cli("principal", "apikey", "crm-sync").stdout
    assert "shown once" in human and "srk_" in human
    inst = open_instance(cli.home)
    try:
        assert identity.authenticate(inst, key).role == "service"
    finally:
        inst.close()
    disabled = cli.json("principal", "disable", "crm-sync")
    assert isinstance(disabled, dict) and disabled["disabled"] is True
    assert "disabled crm-sync" in cli("principal", "disable", "crm-sync").stdout
    inst = open_instance(cli.home)
    try:
        with pytest.raises(Unauthenticated):
            identity.authenticate(inst, key)
    finally:
        inst.close()
    listed = cli.json("principal", "list")
    assert isinstance(listed, list) and listed[0]["disabled"] is True
    assert "disabled" in cli("principal", "list").stdout


def test_reset_shows_new_credentials_once_and_they_work(cli: Cli) -> None:
    first = cli.json("principal", "add", "sam", "--role", "supervisor")
    reset = cli.json("principal", "reset", "sam")
    assert isinstance(first, dict) and isinstance(reset, dict)
    assert set(reset) == set(first) and reset["principal"] == "sam"
    assert reset["password"] != first["password"] and reset["totp_uri"] != first["totp_uri"]
    assert _login(cli, "sam", str(reset["password"]), str(reset["totp_uri"])).id == "sam"
    human = cli("principal", "reset", "sam").stdout
    assert "Shown this once" in human and "TOTP provisioning URI" in human
    cli("principal", "add", "crm-sync", "--role", "service", "--tenant", "acme-bank")
    err = json.loads(cli("principal", "reset", "crm-sync", "--json", code=2).stderr)
    assert err["field"] == "name" and "API keys" in err["message"]
    assert "no principal 'nobody'" in cli("principal", "reset", "nobody", code=2).stderr


def test_an_api_key_is_rotated_by_id_and_the_old_one_stops_working(cli: Cli) -> None:
    cli("principal", "add", "crm-sync", "--role", "service", "--tenant", "acme-bank")
    old = cli.json("principal", "apikey", "crm-sync")
    new = cli.json("principal", "apikey", "crm-sync")
    assert isinstance(old, dict) and isinstance(new, dict)
    assert str(old["api_key"]).startswith(f"srk_{old['key_id']}.")
    human = cli("principal", "apikey", "crm-sync").stdout
    assert "key id" in human and "principal revoke-key crm-sync OLD_KEY_ID" in human
    listed = cli.json("principal", "keys", "crm-sync")
    assert isinstance(listed, list) and [k["id"] for k in listed][:2] == [
        old["key_id"],
        new["key_id"],
    ]
    assert str(old["api_key"]) not in cli("principal", "keys", "crm-sync").stdout
    revoked = cli.json("principal", "revoke-key", "crm-sync", str(old["key_id"]))
    assert isinstance(revoked, dict) and revoked["revoked_at"] is not None
    assert (
        f"revoked key {old['key_id']} of crm-sync"
        in cli("principal", "revoke-key", "crm-sync", str(old["key_id"])).stdout
    )
    table = cli("principal", "keys", "crm-sync").stdout
    assert "active" in table and str(revoked["revoked_at"]) in table
    inst = open_instance(cli.home)
    try:
        with pytest.raises(Unauthenticated):
            identity.authenticate(inst, str(old["api_key"]))
        assert identity.authenticate(inst, str(new["api_key"])).id == "crm-sync"
    finally:
        inst.close()
    missing = cli("principal", "revoke-key", "crm-sync", "0" * 24, code=2).stderr
    assert "has no API key" in missing and "principal keys" in missing


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["add", "Pat", "--role", "agent", "--tenant", "acme-bank", "--site", "lon-1"], "name"),
        (["add", "pat", "--role", "admin"], "role"),
        (["add", "pat", "--role", "agent", "--site", "lon-1"], "tenant"),
        (["add", "pat", "--role", "agent", "--tenant", "acme-bank"], "site"),
        (["add", "aud", "--role", "client_auditor"], "tenant"),
    ],
)
def test_bad_input_exits_2_naming_the_field(cli: Cli, args: list[str], field: str) -> None:
    err = json.loads(cli("principal", *args, "--json", code=2).stderr)
    assert err["error"] == "bad-input" and err["field"] == field
    assert f"field '{field}'" in cli("principal", *args, code=2).stderr


def test_failures_exit_1_and_unknown_names_exit_2_with_a_message(cli: Cli) -> None:
    cli("principal", "add", "sam", "--role", "supervisor")
    assert "already exists" in cli("principal", "add", "sam", "--role", "supervisor", code=1).stderr
    assert "no principal 'nobody'" in cli("principal", "disable", "nobody", code=2).stderr
    assert (
        "no tenant"
        in cli(
            "principal", "add", "aud", "--role", "client_auditor", "--tenant", "nope", code=2
        ).stderr
    )
    err = json.loads(cli("principal", "apikey", "sam", "--json", code=2).stderr)
    assert err["field"] == "name" and "service accounts only" in err["message"]


def test_help_shows_an_example(cli: Cli) -> None:
    assert "principal" in cli("--help").stdout
    for command in ("add", "list", "reset", "disable", "apikey", "keys", "revoke-key"):
        text = cli("principal", command, "--help").stdout
        assert f"Example: strongroom principal {command}" in text
