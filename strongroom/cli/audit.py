"""strongroom audit log|checkpoint|verify|prove|verify-proof|public-key

Exit codes here: 0 intact, 1 tampered or failed, 2 bad input.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from strongroom import documents
from strongroom.access import ledger_view, local_operator
from strongroom.audit import log as ledger_log
from strongroom.audit.search import Filters, entries
from strongroom.cli.main import EXIT_FAILURE, run
from strongroom.cli.options import Json
from strongroom.cli.render import emit_json, pairs, table
from strongroom.errors import BadInput
from strongroom.instance import open_instance

app = typer.Typer(
    help="The audit ledger: search, checkpoints, proofs, verification.", no_args_is_help=True
)


def _checkpoint_note(path: Path) -> str:
    """A checkpoint file as `audit checkpoint` writes it: the note, or its --json form."""
    text = _read(path)
    if not text.lstrip().startswith("{"):
        return text
    doc = documents.parse_json(text, str(path))
    note = doc.get("note") if isinstance(doc, dict) else None
    if not isinstance(note, str):
        raise BadInput("not a checkpoint: no 'note' string", file=str(path), field="note")
    return note


def _read(path: Path) -> str:
    return documents.read_text(path)


@app.command("log")
def log_(
    tenant: Annotated[str | None, typer.Option("--tenant")] = None,
    actor: Annotated[str | None, typer.Option("--actor")] = None,
    subject: Annotated[str | None, typer.Option("--subject")] = None,
    action: Annotated[str | None, typer.Option("--action")] = None,
    outcome: Annotated[str | None, typer.Option("--outcome")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="ISO 8601 UTC, e.g. 2026-11-24")
    ] = None,
    until: Annotated[str | None, typer.Option("--until")] = None,
    as_json: Json = False,
) -> None:
    """Search the ledger (JSON lines with --json).

    Example: strongroom audit log --tenant acme-bank --action record.reveal --since 2026-11-01
    """
    f = Filters(tenant, actor, subject, action, outcome, since, until)

    def render(found: list[tuple[int, dict[str, Any]]]) -> None:
        if as_json:
            for seq, entry in found:
                typer.echo(json.dumps({"index": seq, **entry}))
            return
        table(
            [
                (
                    seq,
                    e["ts"],
                    e["principal"],
                    e["tenant"] or "",
                    e["action"],
                    e["outcome"]["decision"],
                    ",".join(e["resource"].get("subjects", [])[:3]),
                )
                for seq, e in found
            ],
            ["index", "time", "principal", "tenant", "action", "outcome", "subjects"],
        )

    run(
        as_json,
        lambda: ledger_view.search(open_instance(), local_operator(), f).entries,
        render,
    )


@app.command("checkpoint")
def checkpoint(as_json: Json = False) -> None:
    """Sign and print a checkpoint of the ledger as it stands.

    Example: strongroom audit checkpoint --json > checkpoint.json
    """
    run(
        as_json,
        lambda: ledger_log.issue_checkpoint(open_instance()),
        lambda s: emit_json(s.to_dict()) if as_json else typer.echo(s.note, nl=False),
    )


@app.command("verify")
def verify(
    against: Annotated[
        Path | None, typer.Option("--against", help="A checkpoint kept elsewhere (note or JSON).")
    ] = None,
    as_json: Json = False,
) -> None:
    """Recompute the ledger and check every checkpoint; exit 1 if anything was altered.

    Example: strongroom audit verify --against /mnt/witness/checkpoint
    """

    def action() -> ledger_log.VerifyReport:
        note = _checkpoint_note(against) if against is not None else None
        return ledger_log.verify(open_instance(), note)

    def render(report: ledger_log.VerifyReport) -> None:
        if as_json:
            emit_json(report.to_dict())
        else:
            pairs(
                [
                    ("entries", report.entries),
                    ("checkpoints", report.checkpoints),
                    ("result", "intact" if report.intact else "TAMPERED"),
                ]
            )
            for p in report.problems:
                typer.echo(f"  - {p}")
        if not report.intact:
            raise typer.Exit(EXIT_FAILURE)

    run(as_json, action, render)


@app.command("prove")
def prove(
    index: Annotated[int, typer.Argument(metavar="ENTRY_INDEX")],
    checkpoint: Annotated[
        Path | None, typer.Option("--checkpoint", help="Prove against this checkpoint.")
    ] = None,
    as_json: Json = True,
) -> None:
    """Print an inclusion proof of one entry as JSON (for `audit verify-proof`).

    Example: strongroom audit prove 42 > proof.json
    """

    def action() -> dict[str, Any]:
        note = _checkpoint_note(checkpoint) if checkpoint is not None else None
        return ledger_log.prove(open_instance(), index, note)

    run(True, action, emit_json)


@app.command("verify-proof")
def verify_proof(
    proof: Annotated[Path, typer.Argument(help="A proof from `audit prove`.")],
    public_key: Annotated[Path, typer.Option("--public-key", help="PEM or verifier key file.")],
    as_json: Json = False,
) -> None:
    """Check a proof offline: needs only the proof file and the public key.

    Example: strongroom audit verify-proof proof.json --public-key ledger.pem
    """

    def action() -> dict[str, object]:
        doc = documents.parse_json(_read(proof), str(proof))
        cp = ledger_log.check_proof(doc, _read(public_key), str(proof))
        index = doc["index"] if isinstance(doc, dict) else None  # checked by check_proof
        return {"valid": True, "index": index, "tree_size": cp.size, "origin": cp.origin}

    run(
        as_json,
        action,
        lambda r: (
            emit_json(r)
            if as_json
            else typer.echo(
                f"valid: entry {r['index']} is in {r['origin']} at size {r['tree_size']}"
            )
        ),
    )


@app.command("public-key")
def public_key(as_json: Json = False) -> None:
    """Print the checkpoint key (PEM), for auditors to keep.

    Example: strongroom audit public-key > ledger.pem
    """

    def action() -> dict[str, str]:
        inst = open_instance()
        return {"pem": ledger_log.public_key_pem(inst), "verifier_key": ledger_log.verifier(inst)}

    run(as_json, action, lambda r: emit_json(r) if as_json else typer.echo(r["pem"], nl=False))


@app.command("export")
def export(
    fmt: Annotated[str, typer.Option("--format", help="jsonl, ocsf or cef.")],
    since: Annotated[str | None, typer.Option("--since")] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="File to write (default stdout).")
    ] = None,
    tenant: Annotated[str | None, typer.Option("--tenant")] = None,
    as_json: Json = False,
) -> None:
    """Stream the ledger to a SIEM: JSON lines, OCSF API Activity, or CEF.

    Example: strongroom audit export --format ocsf --since 2026-11-01 --out ledger.ocsf.jsonl
    """
    from strongroom.audit.export import FORMATS

    def action() -> int:
        if fmt not in FORMATS:
            raise BadInput(
                f"unknown format '{fmt}'; use one of {', '.join(FORMATS)}", field="format"
            )
        writer = FORMATS[fmt]
        count = 0
        sink = out.open("w") if out is not None else None
        try:
            for index, entry in entries(open_instance(), Filters(tenant=tenant, since=since)):
                line = writer.line(index, entry) + "\n"
                if sink is not None:
                    sink.write(line)
                else:
                    typer.echo(line, nl=False)
                count += 1
        finally:
            if sink is not None:
                sink.close()
        return count

    run(
        as_json,
        action,
        lambda n: (
            typer.echo(f"exported {n} entries to {out}", err=True) if out is not None else None
        ),
    )


@app.command("slice")
def slice_(
    tenant: Annotated[str, typer.Option("--tenant")],
    out: Annotated[Path, typer.Option("--out", help="A new folder for the slice.")],
    since: Annotated[str | None, typer.Option("--since")] = None,
    until: Annotated[str | None, typer.Option("--until")] = None,
    as_json: Json = False,
) -> None:
    """Write one tenant's entries with their proofs, for its auditor to verify offline.

    Example: strongroom audit slice --tenant acme-bank --since 2026-11-01 --out acme-slice/
    """
    from strongroom.audit.slice import write_slice

    run(
        as_json,
        lambda: write_slice(open_instance(), tenant, out, since, until),
        lambda r: emit_json(r) if as_json else pairs(list(r.items())),
    )


@app.command("verify-slice")
def verify_slice(
    folder: Annotated[Path, typer.Argument(help="A folder written by `audit slice`.")],
    public_key: Annotated[Path, typer.Option("--public-key", help="PEM or verifier key file.")],
    as_json: Json = False,
) -> None:
    """Check a client slice offline with only the public key.

    Example: strongroom audit verify-slice acme-slice/ --public-key ledger.pem
    """
    from strongroom.audit.slice import verify_slice as check

    run(
        as_json,
        lambda: check(folder, _read(public_key)),
        lambda r: emit_json(r) if as_json else pairs(list(r.items())),
    )
