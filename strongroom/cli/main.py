"""The `strongroom` command. Commands are thin: parse, call one service, render.

Exit codes, decided here and nowhere else: 0 success, 2 bad input, 1 any other failure.
An argument that names something that does not exist (`--tenant nope`, an unknown principal,
grant, record or ledger index) is bad input too: the caller can fix it by retyping, exactly as
with a malformed file, and a script should not tell it apart from a typo in a file. An erased
subject is not: the name was right, and the data is gone for good (exit 1).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from strongroom.errors import BadInput, Erased, NotFound, StrongroomError

T = TypeVar("T")

app = typer.Typer(
    name="strongroom",
    help="Keeps a BPO's customer data encrypted per client and records every use of it.\n\n"
    "Example: strongroom init && strongroom tenant create acme.yaml",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """Keeps the app a group of commands even when only one command is registered."""


EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2


def _bad_input(exc: StrongroomError) -> bool:
    return isinstance(exc, BadInput) or (isinstance(exc, NotFound) and not isinstance(exc, Erased))


def run(as_json: bool, action: Callable[[], T], render: Callable[[T], None]) -> None:
    """Call a service and render its result, mapping errors to exit codes and messages."""
    try:
        result = action()
    except StrongroomError as exc:
        code = EXIT_BAD_INPUT if _bad_input(exc) else EXIT_FAILURE
        if as_json:
            sys.stderr.write(json.dumps(exc.to_dict()) + "\n")
        else:
            sys.stderr.write(f"error: {exc.message}\n")
        raise typer.Exit(code) from None
    render(result)


# Each command's module, and how it joins the app: ("command", attribute) or ("group", attribute).
_COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": ("instance", "command", "init"),
    "demo": ("instance", "command", "demo"),
    "serve": ("serve", "command", "serve"),
    "sim": ("sim", "command", "sim"),
    "tenant": ("tenant", "group", "app"),
    "record": ("record", "group", "app"),
    "token": ("token", "group", "app"),
    "keys": ("keys", "group", "app"),
    "audit": ("audit", "group", "app"),
    "principal": ("principal", "group", "app"),
    "grant": ("grant", "group", "app"),
    "alert": ("alert", "group", "app"),
    "policy": ("policy", "group", "app"),
    "ticket": ("context", "group", "ticket_app"),
    "shift": ("context", "group", "shift_app"),
    "badge": ("context", "group", "badge_app"),
    "training": ("context", "group", "training_app"),
    "detect": ("detect", "group", "app"),
    "dlp": ("dlp", "group", "app"),
}


def _register(only: str | None = None) -> None:
    """Join the commands to the app: all of them, or only `only` when it names one. A command
    that is run imports only its own module, so `strongroom dlp scan` starts without the
    vault's and the store's imports (inline scanning wants a short start-up); `--help` and
    an unknown name still see every command."""
    import importlib

    names = [only] if only in _COMMANDS else list(_COMMANDS)
    for name in names:
        module, kind, attr = _COMMANDS[name]
        target = getattr(importlib.import_module(f"strongroom.cli.{module}"), attr)
        if kind == "command":
            app.command(name)(target)
        else:
            app.add_typer(target, name=name)


def main(argv: list[str] | None = None) -> Any:
    args = sys.argv[1:] if argv is None else argv
    _register(args[0] if args else None)
    try:
        return app(args=argv, standalone_mode=True)
    except SystemExit as exc:
        # Click reports usage errors with exit 2 already; keep every other code as is.
        raise exc
