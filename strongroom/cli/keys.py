"""strongroom keys rotate"""

from __future__ import annotations

from typing import Annotated

import typer

from strongroom.access import local_operator
from strongroom.cli.main import run
from strongroom.cli.options import Json, Tenant
from strongroom.cli.render import emit_json, pairs, progress
from strongroom.instance import open_instance
from strongroom.vault import keys

app = typer.Typer(help="Tenant keysets.", no_args_is_help=True)


@app.command("rotate")
def rotate(
    tenant: Tenant,
    rewrap: Annotated[
        bool, typer.Option("--rewrap", help="Re-wrap every subject key under the new version.")
    ] = False,
    as_json: Json = False,
) -> None:
    """Add a new key version to the tenant's keyset and make it primary.

    Example: strongroom keys rotate --tenant acme-bank --rewrap
    """
    run(
        as_json,
        lambda: keys.rotate(
            open_instance(), local_operator(), tenant, rewrap, progress("re-wrapping subject keys")
        ),
        lambda r: emit_json(r.to_dict()) if as_json else pairs(list(r.to_dict().items())),
    )
