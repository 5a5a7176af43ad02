"""strongroom policy show|validate|merge|test|install

The test cases file is parsed here, at the edge, into the access layer's own types (Principal,
Resource, Facts) and every case is decided by `CedarPolicy.decide`, exactly as the gate would.
Exit codes: 0 ok (every case passed), 1 failure (a case failed), 2 bad input (a policy or case
file that is not valid, naming the file and line).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from strongroom import config, yamlnodes
from strongroom.access import local_operator
from strongroom.access.cedar import (
    DEFAULT_SOURCE,
    CedarPolicy,
    default_policy_text,
    grant_resource,
    install_policy,
    load_policy,
    parse_policy,
    read_policy_file,
)
from strongroom.access.facts import Facts, GrantFact, TicketFact
from strongroom.access.policy import Resource
from strongroom.access.principal import Principal, PrincipalId
from strongroom.access.upgrade import (
    Merged,
    differing_from_default,
    line_ending,
    merge_default,
    missing_from_default,
    write_policy_file,
)
from strongroom.audit.entry import RequestContext
from strongroom.cli.main import EXIT_FAILURE, run
from strongroom.cli.options import Json
from strongroom.cli.render import emit_json, pairs, table
from strongroom.errors import BadInput
from strongroom.instance import open_instance

app = typer.Typer(
    help="The access policy (Cedar): show, validate, test and install it.", no_args_is_help=True
)

PolicyFile = Annotated[Path, typer.Argument(metavar="FILE", help="A Cedar policy file.")]


def _summary(policy: CedarPolicy) -> dict[str, object]:
    return {
        "source": policy.source,
        "sha256": policy.sha256,
        "policies": len(policy.rules),
        "permits": sum(r.effect == "permit" for r in policy.rules),
        "forbids": sum(r.effect == "forbid" for r in policy.rules),
    }


@app.command("show")
def show(
    default: Annotated[
        bool,
        typer.Option("--default", help="The packaged default instead, to compare with one's own."),
    ] = False,
    as_json: Json = False,
) -> None:
    """Print the policy in force for this instance and where it came from.

    Example: strongroom policy show > current.cedar
    and: strongroom policy show --default > default.cedar; diff current.cedar default.cedar
    """

    def render(policy: CedarPolicy) -> None:
        if as_json:
            emit_json(
                {**_summary(policy), "ids": [r.id for r in policy.rules], "text": policy.text}
            )
            return
        typer.echo(f"// source: {policy.source}\n// sha256: {policy.sha256}")
        typer.echo(policy.text, nl=False)

    def action() -> CedarPolicy:
        if default:
            return parse_policy(default_policy_text(), DEFAULT_SOURCE)
        return load_policy(config.home())

    run(as_json, action, render)


@app.command("validate")
def validate(path: PolicyFile, as_json: Json = False) -> None:
    """Check a policy file against the schema and Strongroom's rules (exit 2 naming the line).

    Example: strongroom policy validate my-policy.cedar
    A valid file may still lack rules the packaged default has gained since it was copied
    (after an upgrade: new actions, new forbids); their ids are listed, by @id, so the officer
    can decide whether to merge them (`strongroom policy merge`).
    """

    def render(p: CedarPolicy) -> None:
        missing = [r.id for r in missing_from_default(p)]
        differs = [r.id for r in differing_from_default(p)]
        if as_json:
            emit_json(
                {
                    "valid": True,
                    **_summary(p),
                    "missing_from_default": missing,
                    "differs_from_default": differs,
                }
            )
            return
        typer.echo(
            f"valid: {len(p.rules)} policies ({_summary(p)['permits']} permits, "
            f"{_summary(p)['forbids']} forbids) in {path}"
        )
        if missing:
            typer.echo(
                f"not in this file, but in the packaged default ({len(missing)}): "
                + ", ".join(missing)
            )
        if differs:
            typer.echo(f"{DIFFERS} ({len(differs)}): " + ", ".join(differs))

    run(as_json, lambda: parse_policy(read_policy_file(path), str(path)), render)


DIFFERS = (
    "same @id as the packaged default but not the same rule; compare with "
    "`strongroom policy show --default`"
)


@app.command("merge")
def merge(
    path: PolicyFile,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", metavar="FILE", help="Where to write it (default stdout)."),
    ] = None,
    as_json: Json = False,
) -> None:
    """Add to a policy file the rules of the packaged default it lacks (by @id), for review.

    After an upgrade, an installed copy of an older default misses the new permits and
    forbids. The merge keeps every rule of FILE as written (one sharing an @id with the
    default included) and appends each missing rule with its comments, under a header, in
    FILE's line endings. Added permits widen access: they are named apart. Rules that share
    an @id with the default but say something else (the default corrected or tightened since,
    or changed here on purpose) are kept and named, to compare. The result is validated;
    nothing is installed, and the installed file itself is never written.

    Example: strongroom policy merge my.cedar --out merged.cedar
    then, once read: strongroom policy install merged.cedar
    """

    def action() -> Merged:
        merged = merge_default(parse_policy(read_policy_file(path), str(path)))
        if out is not None:
            write_policy_file(out, merged.text, config.home(), line_ending(path))
        return merged

    def render(merged: Merged) -> None:
        added = [{"id": r.id, "effect": r.effect} for r in merged.added]
        differs = [r.id for r in merged.differs]
        if as_json:
            doc: dict[str, Any] = {
                "added": added,
                "differs_from_default": differs,
                "out": str(out) if out else None,
            }
            emit_json(doc if out is not None else {**doc, "text": merged.text})
            return
        if out is None:
            typer.echo(merged.text, nl=False)
        for effect, what in (("permit", "permits (they widen access)"), ("forbid", "forbids")):
            ids = [a["id"] for a in added if a["effect"] == effect]
            if ids:
                typer.echo(f"added {len(ids)} {what}: {', '.join(ids)}", err=out is None)
        if not added:
            typer.echo("nothing to add", err=out is None)
        if differs:
            typer.echo(
                f"{DIFFERS}, kept as written ({len(differs)}): " + ", ".join(differs),
                err=out is None,
            )
        if out is not None:
            typer.echo(f"wrote {out}; read it, then: strongroom policy install {out}")

    run(as_json, action, render)


@app.command("install")
def install(path: PolicyFile, as_json: Json = False) -> None:
    """Validate a policy file, then make it this instance's policy (recorded in the ledger).

    Example: strongroom policy install my-policy.cedar
    """
    run(
        as_json,
        lambda: install_policy(open_instance(), local_operator(), path),
        lambda p: (
            emit_json({"installed": True, **_summary(p)})
            if as_json
            else pairs([("installed", p.source), ("sha256", p.sha256), ("policies", len(p.rules))])
        ),
    )


@dataclass(frozen=True)
class Case:
    """One expectation of a test file: this request, with these facts, is allowed or denied."""

    name: str
    line: int
    principal: Principal
    action: str
    resource: Resource
    purpose: str | None
    context: RequestContext
    facts: Facts
    allow: bool
    condition: str | None


@dataclass(frozen=True)
class Outcome:
    case: Case
    allowed: bool
    condition: str | None
    policies: tuple[str, ...]
    reason: str

    @property
    def passed(self) -> bool:
        if self.allowed != self.case.allow:
            return False
        return self.case.condition is None or self.case.condition == self.condition

    def to_dict(self) -> dict[str, object]:
        c = self.case
        return {
            "name": c.name,
            "line": c.line,
            "passed": self.passed,
            "expect": "allow" if c.allow else "deny",
            "expect_condition": c.condition,
            "got": "allow" if self.allowed else "deny",
            "condition": self.condition,
            "policies": list(self.policies),
            "reason": self.reason,
        }


@app.command("test")
def test(
    cases: Annotated[Path, typer.Argument(metavar="CASES.yaml", help="The cases to decide.")],
    policy_file: Annotated[
        Path | None,
        typer.Option("--policy", help="Test this policy file instead of the one in force."),
    ] = None,
    as_json: Json = False,
) -> None:
    """Decide each case of a YAML file and compare with what it expects; exit 1 if any fails.

    Each case: principal {id, role, tenant, site}, action, resource {tenant, subject, fields},
    purpose, facts {ticket, shift_site, badged_in_site, training_current, mfa_age_s,
    field_classes, grants}, expect (allow or deny) and, for a denial, condition.

    Example: strongroom policy test cases.yaml --policy my-policy.cedar
    """

    def action() -> list[Outcome]:
        parsed = parse_cases(read_policy_file(cases), str(cases))
        if policy_file is not None:
            policy = parse_policy(read_policy_file(policy_file), str(policy_file))
        else:
            policy = load_policy(config.home())
        return [decide_case(policy, c) for c in parsed]

    def render(outcomes: list[Outcome]) -> None:
        failed = sum(not o.passed for o in outcomes)
        if as_json:
            emit_json(
                {
                    "passed": len(outcomes) - failed,
                    "failed": failed,
                    "cases": [o.to_dict() for o in outcomes],
                }
            )
        else:
            table(
                [
                    (
                        o.case.line,
                        o.case.name,
                        _verdict(o.case.allow, o.case.condition),
                        _verdict(o.allowed, o.condition),
                        "pass" if o.passed else "FAIL",
                    )
                    for o in outcomes
                ],
                ["line", "case", "expected", "got", "result"],
            )
            typer.echo(f"\n{len(outcomes) - failed} passed, {failed} failed")
        if failed:
            raise typer.Exit(EXIT_FAILURE)

    run(as_json, action, render)


def _verdict(allowed: bool, condition: str | None) -> str:
    return "allow" if allowed else f"deny ({condition})" if condition else "deny"


def decide_case(policy: CedarPolicy, case: Case) -> Outcome:
    d = policy.decide(
        case.principal, case.action, case.resource, case.purpose, case.context, case.facts
    )
    return Outcome(case, d.allowed, d.condition, d.policies, d.reason)


# --- the cases file -------------------------------------------------------------------------


class _Map:
    """A YAML mapping with the line of each key's value, for errors that name the line."""

    def __init__(self, loader: yaml.SafeLoader, node: yaml.Node, file: str, what: str) -> None:
        self.loader, self.node, self.file, self.what = loader, node, file, what
        self.line = yamlnodes.line_of(node)
        # A key twice is refused there: YAML keeps the last silently, an `expect` overridden.
        self.nodes = {k: v for k, (_, v) in yamlnodes.keyed(node, file, what).items()}

    def only(self, *keys: str) -> None:
        for key, value in self.nodes.items():
            if key not in keys:
                raise BadInput(
                    f"unknown key in {self.what} (known: {', '.join(keys)})",
                    file=self.file,
                    line=value.start_mark.line + 1,
                    field=key,
                )

    def bad(self, key: str, message: str) -> BadInput:
        node = self.nodes.get(key)
        line = node.start_mark.line + 1 if node is not None else self.line
        return BadInput(message, file=self.file, line=line, field=key)

    def value(self, key: str) -> Any:
        node = self.nodes.get(key)
        if node is None:
            return None
        try:
            return yamlnodes.construct(self.loader, node)
        except ValueError as exc:
            raise self.bad(key, "not a value a case can hold") from exc

    def text(self, key: str, required: bool = False) -> str | None:
        v = self.value(key)
        if v is None:
            if required:
                raise self.bad(key, f"{self.what} needs '{key}'")
            return None
        if isinstance(v, bool) or not isinstance(v, str | int | float):
            raise self.bad(key, f"'{key}' must be text")
        return str(v)

    def required(self, key: str) -> str:
        v = self.text(key, required=True)
        if v is None:  # text() raised already; this keeps the type narrow
            raise self.bad(key, f"{self.what} needs '{key}'")
        return v

    def flag(self, key: str, default: bool) -> bool:
        v = self.value(key)
        if v is None:
            return default
        if not isinstance(v, bool):
            raise self.bad(key, f"'{key}' must be true or false")
        return v

    def texts(self, key: str) -> tuple[str, ...]:
        v = self.value(key)
        if v is None:
            return ()
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise self.bad(key, f"'{key}' must be a list of text")
        return tuple(v)

    def child(self, key: str) -> _Map | None:
        node = self.nodes.get(key)
        if node is None or (isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")):
            return None
        return _Map(self.loader, node, self.file, key)

    def children(self, key: str) -> list[_Map]:
        node = self.nodes.get(key)
        if node is None:
            return []
        if not isinstance(node, yaml.SequenceNode):
            raise self.bad(key, f"'{key}' must be a list")
        return [_Map(self.loader, n, self.file, key) for n in node.value]


def parse_cases(text: str, file: str) -> list[Case]:
    """The cases of a YAML file: a list, or a mapping with `cases:`. Raises BadInput naming
    the file, line and field of the first problem."""
    loader, root = yamlnodes.compose(text, file)
    if isinstance(root, yaml.MappingNode):
        top = _Map(loader, root, file, "the file")
        top.only("cases")
        root = top.nodes.get("cases")
    if not isinstance(root, yaml.SequenceNode) or not root.value:
        raise BadInput("expected a non-empty list of cases", file=file, line=1)
    return [_case(_Map(loader, node, file, "a case"), n) for n, node in enumerate(root.value, 1)]


def _case(m: _Map, n: int) -> Case:
    m.only("name", "principal", "action", "resource", "purpose", "context", "facts", "expect",
           "condition")  # fmt: skip
    expect = m.required("expect")
    if expect not in ("allow", "deny"):
        raise m.bad("expect", "'expect' is allow or deny")
    condition = m.text("condition")
    if condition is not None and expect == "allow":
        raise m.bad("condition", "only a denial has a condition")
    p = m.child("principal")
    if p is None:
        raise m.bad("principal", "a case needs 'principal'")
    p.only("id", "role", "tenant", "site")
    principal = Principal(
        PrincipalId(p.text("id") or f"case-{n}"),
        p.required("role"),
        p.text("tenant"),
        p.text("site"),
    )
    return Case(
        name=m.text("name") or f"case {n}",
        line=m.line,
        principal=principal,
        action=m.required("action"),
        resource=_resource(m.child("resource")),
        purpose=m.text("purpose"),
        context=_context(m.child("context")),
        facts=_facts(m.child("facts")),
        allow=expect == "allow",
        condition=condition,
    )


def _resource(r: _Map | None) -> Resource:
    if r is None:
        return Resource(None)
    r.only("tenant", "subject", "subjects", "fields", "kind", "requester", "role")
    tenant = r.text("tenant")
    subject = r.text("subject")
    subjects = ((subject,) if subject is not None else ()) + r.texts("subjects")
    kind = r.text("kind")
    if kind is not None:
        if tenant is None or len(subjects) != 1:
            raise r.bad("kind", "a grant's resource names its tenant and its grantee as subject")
        return grant_resource(tenant, subjects[0], kind, r.text("requester"), r.text("role"))
    return Resource(tenant, subjects, r.texts("fields"))


def _context(c: _Map | None) -> RequestContext:
    if c is None:
        return RequestContext()
    c.only("ip", "device", "site", "ticket")
    return RequestContext(c.text("ip"), c.text("device"), c.text("site"), c.text("ticket"))


def _facts(f: _Map | None) -> Facts:
    if f is None:
        return Facts(now=datetime.now(UTC))
    f.only("now", "ticket", "shift_site", "badged_in_site", "training_current", "mfa_age_s",
           "field_classes", "grants")  # fmt: skip
    now = f.value("now")
    if now is None:
        now = datetime.now(UTC)
    elif not isinstance(now, datetime):
        raise f.bad("now", "'now' must be a timestamp, e.g. 2026-11-25T09:00:00Z")
    elif now.tzinfo is None:
        # Read as local time, a case would pass on one machine and fail on another.
        raise f.bad("now", "'now' needs a UTC offset, e.g. 2026-11-25T09:00:00Z or +05:30")
    mfa = f.value("mfa_age_s")
    if mfa is not None and (
        isinstance(mfa, bool)
        or not isinstance(mfa, int | float)
        or not math.isfinite(mfa)
        or mfa < 0
    ):
        raise f.bad("mfa_age_s", "'mfa_age_s' must be a number of seconds, 0 or more")
    t = f.child("ticket")
    ticket = None
    if t is not None:
        t.only("id", "tenant", "subject", "assignee", "kind", "open")
        ticket = TicketFact(
            t.text("id") or "T-1",
            t.required("tenant"),
            t.required("subject"),
            t.required("assignee"),
            t.required("kind"),
            t.flag("open", True),
        )
    return Facts(
        now=now,
        ticket=ticket,
        shift_site=f.text("shift_site"),
        badged_in_site=f.text("badged_in_site"),
        training_current=f.flag("training_current", False),
        mfa_age_s=None if mfa is None else float(mfa),
        field_classes=f.texts("field_classes"),
        grants=tuple(_grant(g, n) for n, g in enumerate(f.children("grants"), 1)),
    )


def _grant(g: _Map, n: int) -> GrantFact:
    g.only("id", "kind", "tenant", "actions", "fields", "approved", "active")
    kind = g.required("kind")
    if kind not in ("break_glass", "vendor"):
        raise g.bad("kind", "a grant's kind is break_glass or vendor")
    return GrantFact(
        g.text("id") or f"g-{n}",
        "break_glass" if kind == "break_glass" else "vendor",
        g.required("tenant"),
        g.texts("actions"),
        g.texts("fields"),
        g.flag("approved", True),
        g.flag("active", True),
    )
