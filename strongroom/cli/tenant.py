"""strongroom tenant create|list|show"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from strongroom.access import local_operator
from strongroom.cli.main import run
from strongroom.cli.options import Json
from strongroom.cli.render import emit_json, pairs, table
from strongroom.instance import open_instance
from strongroom.vault import tenants
from strongroom.vault.spec import load_spec
from strongroom.vault.tenants import TenantInfo

app = typer.Typer(help="Tenants: one client of the BPO each.", no_args_is_help=True)


def _show(info: TenantInfo, as_json: bool) -> None:
    if as_json:
        emit_json(info.to_dict())
        return
    d = info.to_dict()
    pairs(
        [
            (k, d[k])
            for k in ("tenant", "name", "retention_days", "phone_region", "records", "created_at")
        ]
    )
    typer.echo("")
    table(
        [
            (f.name, f.cls, f.mask, "yes" if f.searchable else "", "yes" if f.tokenize else "")
            for f in info.spec.fields
        ],
        ["field", "class", "mask", "searchable", "tokenize"],
    )


@app.command("create")
def create(
    spec: Annotated[Path, typer.Argument(help="The tenant's data spec (YAML).")],
    as_json: Json = False,
) -> None:
    """Create a tenant from a YAML data spec, with its own keysets.

    Example: strongroom tenant create acme-bank.yaml
    """
    run(
        as_json,
        lambda: tenants.create(open_instance(), local_operator(), load_spec(spec)),
        lambda info: _show(info, as_json),
    )


@app.command("list")
def list_(as_json: Json = False) -> None:
    """List tenants.  Example: strongroom tenant list --json"""

    def render(infos: list[TenantInfo]) -> None:
        if as_json:
            emit_json([i.to_dict() for i in infos])
        else:
            table(
                [(i.spec.tenant, i.spec.name, len(i.spec.fields), i.records) for i in infos],
                ["tenant", "name", "fields", "records"],
            )

    run(as_json, lambda: tenants.list_all(open_instance(), local_operator()), render)


@app.command("show")
def show(tenant: Annotated[str, typer.Argument(help="Tenant id.")], as_json: Json = False) -> None:
    """Show a tenant's spec and record count.  Example: strongroom tenant show acme-bank"""
    run(
        as_json,
        lambda: tenants.show(open_instance(), local_operator(), tenant),
        lambda info: _show(info, as_json),
    )
