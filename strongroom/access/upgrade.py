"""A policy file after an upgrade: the packaged default's rules it lacks, added by `policy
merge`; those it shares an @id with but not a meaning, named by `policy validate` and `merge`.

An instance running its own policy file keeps it across upgrades, so it lacks what a new
release adds to the default (new actions, new forbids) and keeps the old wording of rules the
default corrected since. Nothing here installs anything: the officer reads the result and
installs it (`install_policy`, through the gate).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from strongroom.access.cedar import (
    DEFAULT_SOURCE,
    POLICY_FILE,
    CedarPolicy,
    Rule,
    default_policy_text,
    parse_policy,
    policy_spans,
)
from strongroom.errors import BadInput
from strongroom.files import write_whole


def missing_from_default(policy: CedarPolicy) -> tuple[Rule, ...]:
    """The packaged default's policies whose @id `policy` lacks, in the default's order: after
    an upgrade, the rules (new actions, new forbids) an officer's older copy does not have."""
    have = {r.id for r in policy.rules}
    default = parse_policy(default_policy_text(), DEFAULT_SOURCE)
    return tuple(r for r in default.rules if r.id not in have)


MERGE_HEADER = (
    "// " + "-" * 93 + "\n"
    "// Added by `strongroom policy merge` from the packaged default of strongroom {version}:\n"
    "// the rules this file lacked, by @id. Review them before `strongroom policy install`.\n"
)


@dataclass(frozen=True)
class Merged:
    """A policy file with the packaged default's rules it lacked appended, and those rules;
    and the rules it shares with the default by @id but that say something else there."""

    text: str
    added: tuple[Rule, ...]
    differs: tuple[Rule, ...] = ()


def differing_from_default(policy: CedarPolicy) -> tuple[Rule, ...]:
    """`policy`'s rules that share an @id with the packaged default's but not its meaning
    (scope, conditions or annotations; layout, comments and the rules' order aside, though a
    list inside a rule reordered counts as a change), in `policy`'s order: after an upgrade,
    a default rule that was corrected or tightened under the same @id, or one the officer
    changed on purpose. A merge keeps them as written; this says which
    to compare (`strongroom policy show --default`)."""
    default = parse_policy(default_policy_text(), DEFAULT_SOURCE)
    return tuple(
        r
        for r in policy.rules
        if (ours := default.meaning(r.id)) is not None and ours != policy.meaning(r.id)
    )


def merge_default(policy: CedarPolicy) -> Merged:
    """`policy`'s text, then each policy of the packaged default it lacks (by @id) with the
    comments written before it in the default (back to the policy before it).

    The officer's own rules are kept as written, including those that share an @id with the
    default but say something else (`differs` names them): a merge adds, it never overrides.
    Nothing is installed. Raises BadInput when the merged text is not a sound policy set (it
    always is when both are: the added @ids are new, and each policy stands alone)."""
    from strongroom import __version__

    differs = differing_from_default(policy)
    missing = {r.id for r in missing_from_default(policy)}
    if not missing:
        return Merged(policy.text, (), differs)
    default = parse_policy(default_policy_text(), DEFAULT_SOURCE)
    text = default.text
    spans = policy_spans(text)
    lines = text.splitlines()
    parts = [policy.text.rstrip("\n"), "", MERGE_HEADER.format(version=__version__)]
    added: list[Rule] = []
    for n, rule in enumerate(default.rules):  # rules are in the text's order, as spans are
        if rule.id not in missing:
            continue
        _, start, end = spans[n]
        parts.append("\n".join([*_comments_before(text, lines, spans, n), text[start:end]]) + "\n")
        added.append(rule)
    merged = "\n".join(parts)
    CedarPolicy(merged, f"{policy.source}, merged with the packaged default")
    return Merged(merged, tuple(added), differs)


def _comments_before(
    text: str, lines: list[str], spans: list[tuple[int, int, int]], n: int
) -> list[str]:
    """The comment lines between policy `n - 1` and policy `n` (blank lines at either end
    dropped); for the first policy only the comment block right above it, not the file's
    header. Line numbers are 1-based: line k is lines[k - 1]."""
    first = spans[n][0]
    if n == 0:
        top = first
        while top > 1 and lines[top - 2].lstrip().startswith("//"):
            top -= 1
        return lines[top - 1 : first - 1]
    after = text.count("\n", 0, spans[n - 1][2]) + 1  # the line the previous policy ends on
    block = lines[after : first - 1]
    while block and not block[0].strip():
        block.pop(0)
    while block and not block[-1].strip():
        block.pop()
    return block


def line_ending(path: Path) -> str:
    """CRLF when the file at `path` uses it, else LF: policy text is read with universal
    newlines, and a merge writes back the endings it found. Raises BadInput when the file
    cannot be read."""
    try:
        return "\r\n" if b"\r\n" in path.read_bytes() else "\n"
    except OSError as exc:
        raise BadInput(f"cannot read: {exc.strerror or exc}", file=str(path)) from exc


def write_policy_file(path: Path, text: str, home: Path, newline: str = "\n") -> None:
    """`text` written whole to `path` (files.staged). The instance's installed policy file is
    refused: it changes only through `install_policy`, which the gate decides and the ledger
    records. Raises BadInput naming `path`."""
    if path.resolve() == (home / POLICY_FILE).resolve():
        raise BadInput(
            "this is the instance's installed policy; write the file elsewhere, then "
            "install it with: strongroom policy install FILE",
            file=str(path),
        )
    write_whole(path, text.replace("\n", newline).encode("utf-8"))
