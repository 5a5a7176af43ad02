"""strongroom init, strongroom demo"""

from __future__ import annotations

from typing import Annotated

import typer

from strongroom.access import local_operator
from strongroom.cli.main import run
from strongroom.cli.options import Json
from strongroom.cli.render import emit_json, pairs
from strongroom.config import HsmSettings
from strongroom.errors import BadInput, NotInitialised
from strongroom.instance import Instance, init_instance, open_instance


def init(
    hsm_module: Annotated[
        str | None, typer.Option("--hsm-module", help="PKCS#11 module path.")
    ] = None,
    hsm_token: Annotated[str | None, typer.Option("--hsm-token", help="Token label.")] = None,
    hsm_pin_env: Annotated[
        str | None, typer.Option("--hsm-pin-env", help="Variable holding the PIN.")
    ] = None,
    as_json: Json = False,
) -> None:
    """Create an instance under $STRONGROOM_HOME: root key, data store and key store.

    Example: strongroom init
             strongroom init --hsm-module /usr/lib/softhsm/libsofthsm2.so \\
                 --hsm-token sr --hsm-pin-env SR_PIN
    """

    def action() -> Instance:
        given = [hsm_module, hsm_token, hsm_pin_env]
        if any(given) and not all(given):
            raise BadInput("--hsm-module, --hsm-token and --hsm-pin-env go together", field="hsm")
        hsm = (
            HsmSettings(hsm_module, hsm_token, hsm_pin_env)
            if hsm_module and hsm_token and hsm_pin_env
            else None
        )
        from strongroom.crypto.tls import ensure_server_certificate

        inst = init_instance(hsm=hsm)
        ensure_server_certificate(inst.home)  # tls/server.crt and server.key (0600) for serve
        return inst

    def render(inst: Instance) -> None:
        doc = {
            "home": str(inst.home),
            "provider": inst.provider.name,
            "database": inst.data.url.render_as_string(hide_password=True),
            "keystore": inst.keys.url.render_as_string(hide_password=True),
        }
        emit_json(doc) if as_json else pairs(list(doc.items()))

    run(as_json, action, render)


def demo() -> None:
    """Run a short tour on this instance (creating it if needed): a tenant, 300 records, a
    masked get, a reveal, a token, a rotation and an erasure, each step printed.

    Example: STRONGROOM_HOME=/tmp/sr strongroom demo
    """
    from strongroom.sim.demo import tour

    def action() -> None:
        try:
            inst = open_instance()
        except NotInitialised:
            inst = init_instance()
        tour(inst, local_operator(), typer.echo)

    run(False, action, lambda _: None)
