"""strongroom serve: the REST API over TLS.

TLS is the default: the instance's own certificate ($STRONGROOM_HOME/tls/, made on first use)
unless --tls-cert and --tls-key name others. Plain HTTP needs --insecure-http, and every start
with it logs a warning, since passwords, tokens and revealed values would then cross the wire
in clear.
"""

from __future__ import annotations

import copy
import logging
import os
import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from strongroom import config
from strongroom.cli.main import run
from strongroom.errors import BadInput

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger("strongroom.api")

INSECURE_WARNING = (
    "--insecure-http: serving PLAIN HTTP on %s:%d. Passwords, bearer tokens and revealed "
    "customer data cross the network UNENCRYPTED. Use it only on loopback behind a "
    "TLS-terminating proxy on this machine."
)


def log_config() -> dict[str, Any]:
    """uvicorn's logging set-up, plus Strongroom's loggers (the access log included) on
    stderr."""
    from uvicorn.config import LOGGING_CONFIG

    conf = copy.deepcopy(LOGGING_CONFIG)
    conf["formatters"]["strongroom"] = {
        "format": "%(asctime)s %(levelname)s %(name)s: %(message)s",
    }
    conf["handlers"]["strongroom"] = {
        "class": "logging.StreamHandler",
        "formatter": "strongroom",
        "stream": "ext://sys.stderr",
    }
    conf["loggers"]["strongroom"] = {
        "handlers": ["strongroom"],
        "level": "INFO",
        "propagate": False,
    }
    return conf


def _tls(
    cert: Path | None, key: Path | None, insecure: bool, home: Path
) -> tuple[Path, Path] | None:
    if (cert is None) != (key is None):
        raise BadInput("--tls-cert and --tls-key go together", field="tls")
    if insecure:
        if cert is not None:
            raise BadInput("--insecure-http serves no certificate; drop --tls-cert", field="tls")
        return None
    if cert is not None and key is not None:
        for path, name in ((cert, "--tls-cert"), (key, "--tls-key")):
            if not path.is_file():
                what = "a directory, not a file" if path.is_dir() else "no such file"
                raise BadInput(what, file=str(path), field=name)
        # Loaded here as the server will, so that a wrong file is a clear error, not uvicorn's
        # traceback after start-up.
        try:
            ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
        except (ssl.SSLError, OSError) as exc:
            raise BadInput(
                "not a PEM certificate (chain) and its matching, unencrypted private key",
                file=str(cert),
                field="--tls-cert",
            ) from exc
        return cert, key
    from strongroom.crypto.tls import ensure_server_certificate

    return ensure_server_certificate(home)


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port.")] = 8443,
    tls_cert: Annotated[
        Path | None, typer.Option("--tls-cert", help="Certificate (PEM); default: the instance's.")
    ] = None,
    tls_key: Annotated[
        Path | None, typer.Option("--tls-key", help="Its private key (PEM).")
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Processes serving requests (one core each); default 1.",
        ),
    ] = 1,
    insecure_http: Annotated[
        bool,
        typer.Option(
            "--insecure-http",
            help="DANGEROUS: serve plain HTTP (tokens and data unencrypted on the wire).",
        ),
    ] = False,
) -> None:
    """Serve the REST API under /v1 over TLS (OpenAPI at /v1/openapi.json, docs at /v1/docs).

    Example: strongroom serve --port 8443 --workers 2
    """
    from strongroom.api.app import APP_FACTORY, create_app, run_server, server_config
    from strongroom.api.limits import WORKERS_ENV

    def action() -> None:
        home = config.home()
        config.load_instance(home)  # fails here, plainly, when there is no instance
        tls = _tls(tls_cert, tls_key, insecure_http, home)
        os.environ[WORKERS_ENV] = str(workers)  # each worker enforces its share of a limit
        os.environ["STRONGROOM_HOME"] = str(home)
        app = create_app(home)  # a bad setting fails here, once, plainly
        # Several workers each build the app from the environment: the same instance as here.
        served: FastAPI | str = APP_FACTORY if workers > 1 else app
        # Building the configuration sets up logging, so the lines below reach stderr.
        conf = server_config(
            served, host=host, port=port, tls=tls, log_config=log_config(), workers=workers
        )
        if tls is None:
            log.warning(INSECURE_WARNING, host, port)
        else:
            log.info("TLS certificate %s", tls[0])
        if workers > 1:
            log.info("%d worker processes", workers)
        run_server(conf)

    run(False, action, lambda _: None)
