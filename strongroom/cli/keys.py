"""strongroom keys rotate | rotate-root"""

from __future__ import annotations

from typing import Annotated

import typer

from strongroom.access import local_operator
from strongroom.cli.main import run
from strongroom.cli.options import Json, Tenant
from strongroom.cli.render import emit_json, pairs, progress
from strongroom.instance import open_instance
from strongroom.vault import keys

app = typer.Typer(help="Tenant keysets and the root key.", no_args_is_help=True)


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


@app.command("rotate-root")
def rotate_root(as_json: Json = False) -> None:
    """Replace the instance's root key and destroy the old one.

    Every tenant keyset, TOTP secret and checkpoint key is wrapped again under a new root key
    (a new key file, or a new key in the HSM), then the old key is destroyed. Copies of the
    key store taken before then no longer open on their own (restoring one no longer works:
    back the key store up again afterwards); an erased subject's key in such a copy still
    opens for whoever also holds the live key store and root key. Run it at the end of the
    root key's cryptoperiod, or when a copy of the key store may have left your custody.
    Servers keep running and follow the change. Cut short, run it again: it takes up where
    it stopped. Only the local operator can run it; both steps are recorded in the ledger.

    Example: strongroom keys rotate-root --json
    """
    run(
        as_json,
        lambda: keys.rotate_root(open_instance(), local_operator()),
        lambda r: emit_json(r.to_dict()) if as_json else pairs(list(r.to_dict().items())),
    )
