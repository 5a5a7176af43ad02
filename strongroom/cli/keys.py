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
    retire: Annotated[
        bool,
        typer.Option(
            "--retire",
            help="Re-wrap, then destroy every older version (makes erasures final; see below).",
        ),
    ] = False,
    as_json: Json = False,
) -> None:
    """Add a new key version to the tenant's keyset and make it primary.

    With --retire, every subject key and token is re-wrapped under the new version and every
    older version is destroyed, all in one transaction: keys erased before then, still in
    older copies of the key store, no longer open under the tenant's live keyset. To make
    them unreadable in those copies for good, run `strongroom keys rotate-root` next (the
    copies' own keysets are wrapped under the root key), then back the key store up again.

    Example: strongroom keys rotate --tenant acme-bank --retire
    """
    run(
        as_json,
        lambda: keys.rotate(
            open_instance(),
            local_operator(),
            tenant,
            rewrap,
            progress("re-wrapping subject keys"),
            retire=retire,
        ),
        lambda r: emit_json(r.to_dict()) if as_json else pairs(_rows(r.to_dict())),
    )


def _rows(fields: dict[str, object]) -> list[tuple[str, object]]:
    """For people: lists as `1, 2`, an empty one as `none`."""
    return [
        (k, (", ".join(map(str, v)) or "none") if isinstance(v, list) else v)
        for k, v in fields.items()
    ]


@app.command("rotate-root")
def rotate_root(as_json: Json = False) -> None:
    """Replace the instance's root key and destroy the old one.

    Every tenant keyset, TOTP secret and checkpoint key is wrapped again under a new root key
    (a new key file, or a new key in the HSM), then the old key is destroyed. Copies of the
    key store taken before then no longer open on their own (restoring one no longer works:
    back the key store up again afterwards). An erased subject's key in such a copy still
    opens for whoever also holds the live key store and root key, unless `strongroom keys
    rotate --retire` ran for its tenant first. Run it at the end of the
    root key's cryptoperiod, or when a copy of the key store may have left your custody.
    Servers keep running and follow the change. Cut short, run it again: it takes up where
    it stopped. Only the local operator can run it; both steps are recorded in the ledger.

    Example: strongroom keys rotate-root --json
    """
    run(
        as_json,
        lambda: keys.rotate_root(open_instance(), local_operator()),
        lambda r: _show_root(r, as_json),
    )


def _show_root(r: keys.RootRotation, as_json: bool) -> None:
    if as_json:
        emit_json(r.to_dict())
    else:
        pairs(list(r.to_dict().items()))
    if r.resumed:  # the successor a cut-short run staged lived on: copies may be under it
        typer.echo(RESUMED_HINT, err=True)


RESUMED_HINT = (
    "note: this run finished a rotation that had been cut short, with the successor key it "
    "staged; run `strongroom keys rotate-root` once more so that copies of the key store "
    "taken meanwhile stop opening too"
)
