"""strongroom dlp eval | corpus (| scan | redact)

Sensitive data in free text. `corpus` writes a labelled corpus of contact-centre text
(chats, call transcripts, emails, agent notes; `dlp/corpus.py`); `eval` runs the scanner over
a labelled corpus and scores it per entity type (`dlp/evaluate.py` states the rules).

Output contract: with `--json`, stdout carries only JSON (one report for `eval`). A malformed
corpus line is bad input (exit 2) naming the file, the line and the field: labels are ground
truth, and a skipped line would move every figure.

The domain modules are imported inside the commands, so that `strongroom dlp scan` on a
short file does not pay for the corpus generator at start-up.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from strongroom.cli.main import run
from strongroom.cli.options import Json

if TYPE_CHECKING:
    from strongroom.dlp.evaluate import Report

app = typer.Typer(
    help="Sensitive data in free text: find it, neutralise it, and measure how well.",
    no_args_is_help=True,
)

Corpus = Annotated[
    Path,
    typer.Argument(
        metavar="CORPUS",
        help='Labelled JSON lines: {"id", "text", "entities": [{"entity_type", "start", "end"}]}.',
    ),
]


@app.command("eval")
def eval_(corpus: Corpus, as_json: Json = False) -> None:
    """Scan every text of a labelled corpus and score the findings against its labels.

    Per entity type: support, precision, recall and F1 by exact span (same type, same start
    and end), relaxed F1 (same type, at least half the label overlapped), then the micro
    figures over every type, and the scanner's rate in MB/s.

    Example: strongroom dlp corpus --seed 101 --out corpus.jsonl && strongroom dlp eval corpus.jsonl
    """

    def action() -> Report:
        from strongroom.dlp.corpus import read_corpus
        from strongroom.dlp.evaluate import evaluate
        from strongroom.dlp.scanner import scan

        return evaluate(read_corpus(corpus), scan)

    def render(report: Report) -> None:
        if as_json:
            import json

            sys.stdout.write(json.dumps(report.to_dict()) + "\n")
        else:
            typer.echo(report.table())

    run(as_json, action, render)


@app.command("corpus")
def corpus_(
    out: Annotated[Path, typer.Option("--out", metavar="FILE", help="Where to write it.")],
    n: Annotated[int, typer.Option("--n", min=1, help="How many texts.")] = 600,
    seed: Annotated[
        int,
        typer.Option(
            "--seed", help="Same seed, same corpus. 1-9 are for tuning; reports use 101+."
        ),
    ] = 1,
) -> None:
    """Write a labelled corpus of contact-centre text as JSON lines.

    Chats, call transcripts (card numbers read out), emails and agent notes, from nine
    countries, with exact character offsets for every entity and hard negatives (order and
    case numbers, tracking numbers, versions, amounts, dates) left unlabelled.

    Example: strongroom dlp corpus --n 600 --seed 101 --out corpus.jsonl
    """

    def action() -> int:
        from strongroom.dlp.corpus import write_corpus

        return write_corpus(out, n, seed)

    def render(labelled: int) -> None:
        typer.echo(f"wrote {n:,} texts with {labelled:,} labelled entities to {out}")

    run(False, action, render)


# `dlp scan` and `dlp redact` are added below this line (kept thin, as the commands above).

if TYPE_CHECKING:
    from strongroom.dlp.finding import Finding
    from strongroom.dlp.texts import TextFile

Texts = Annotated[
    Path,
    typer.Argument(
        metavar="FILE",
        help="JSON lines with a 'text' key (.jsonl, .ndjson, .json; other keys are kept), "
        "or plain text: one text per line.",
    ),
]
Entities = Annotated[
    list[str] | None,
    typer.Option("--entity", help="Only this type (repeatable), e.g. CREDIT_CARD."),
]


def _summary(line: int, found: list[Finding]) -> str:
    """Types and offsets, never the values."""
    if not found:
        return f"{line}: -"
    return f"{line}: " + ", ".join(
        f"{f.entity_type} {f.start}-{f.end} ({f.score:.2f} {f.recogniser})" for f in found
    )


@app.command("scan")
def scan_(file: Texts, entities: Entities = None, as_json: Json = False) -> None:
    """Find sensitive data in each text of FILE: exactly one output line per input line.

    With --json each line is the JSON list of that text's findings (entity_type, start, end
    in characters, score, recogniser); without, a summary per line. Values are never printed.
    A JSON line without a string 'text' is bad input (exit 2) naming file, line and field.

    Example: strongroom dlp scan --json notes.jsonl
    """

    def action() -> tuple[TextFile, list[list[Finding]]]:
        from strongroom.dlp.texts import read_texts, scan_all

        texts = read_texts(file)
        return texts, scan_all(texts.texts, entities)

    def render(result: tuple[TextFile, list[list[Finding]]]) -> None:
        import json

        texts, found = result
        for tl, fs in zip(texts.lines, found, strict=True):
            line = json.dumps([f.to_dict() for f in fs]) if as_json else _summary(tl.line, fs)
            sys.stdout.write(line + "\n")

    run(as_json, action, render)


@app.command("redact")
def redact_(
    file: Texts,
    operator: Annotated[
        str,
        typer.Option(
            "--operator",
            metavar="redact|mask|hash|tokenize",
            help="redact: <TYPE>; mask: as a masked field shows it (a card's last four); "
            "hash: <TYPE#keyed hash> of the tenant; tokenize: cards become the tenant's tokens, "
            "the rest is redacted. hash and tokenize need --tenant.",
        ),
    ],
    tenant: Annotated[
        str | None,
        typer.Option("--tenant", "-t", help="Through this tenant's door, with its keys."),
    ] = None,
    entities: Entities = None,
    as_json: Json = False,
) -> None:
    """Write each text of FILE with its sensitive data neutralised, one line per input line:
    JSON lines with 'text' replaced when FILE is JSON lines (or with --json), else the texts.

    Example: strongroom dlp redact notes.jsonl --operator tokenize --tenant acme-bank
    """

    def action() -> tuple[TextFile, list[str]]:
        from strongroom.dlp.texts import check_operator, neutralise_all, read_texts

        check_operator(operator)
        texts = read_texts(file)
        if tenant is None:
            return texts, neutralise_all(texts.texts, operator, entities)
        from strongroom.access import local_operator
        from strongroom.instance import open_instance
        from strongroom.vault import free_text

        inst = open_instance()
        try:
            done = free_text.redact(inst, local_operator(), tenant, texts.texts, operator, entities)
        finally:
            inst.close()
        return texts, done

    def render(result: tuple[TextFile, list[str]]) -> None:
        texts, done = result
        for tl, text in zip(texts.lines, done, strict=True):
            sys.stdout.write(tl.render(text, as_json) + "\n")

    run(as_json, action, render)
