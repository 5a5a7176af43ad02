"""The policy decision in Cedar.

What this module guarantees:

- A policy set is accepted only whole and sound: it parses, it validates against the packaged
  schema (`policies/schema.cedarschema.json`), it has at least one permit, every policy has a
  unique `@id`, every forbid names in `@condition` one of `CONDITIONS`, and it has no templates.
  Anything else raises `BadInput` naming the file and, where it can be found, the line.
- `CedarPolicy.decide` is pure: it builds the Cedar request from the principal, action,
  resource, purpose, request context and facts it is given, and reads nothing else. Default
  deny: an action the schema does not name, a request Cedar cannot evaluate, and any policy
  that errors while evaluating (an erroring forbid would otherwise be skipped) all deny.
- A principal acts on its own standing or under one of the grants it holds. Each standing is
  one Cedar request (the context's `grant` is absent, or is that grant), evaluated in one
  batch; the request is allowed when any standing is. Every condition is checked by Cedar;
  Python only chooses, on a denial, which standing's unmet condition to report (`_explain`).
- The `Decision` names the `@id`s of the policies that decided: the permits that allowed, or
  the forbids that denied (first the one whose condition is reported), or `default-deny`.
- A denial's condition is one of `CONDITIONS`, or `policy-error` when Cedar could not decide.

Cost: the policy set is parsed once per text (`parse_policy` caches it; `load_policy` re-stats
the installed file and re-reads it only when it changes), since cedarpy's `PolicySet` handle
saves the ~700 µs a parse of the default set costs; each action is asked of only the policies
whose scope can match it (exact: see `_scope_admits`). A decision then pays for the request
(entities and context as JSON, parsed by Cedar) and the evaluation of every policy: about
130 µs on one standing, ~90 µs more per grant held, and one more batch (~100 µs) on a denial
by forbids. The schema is not re-applied per request (it costs ~45 µs): the policies were
validated against it on load, and a mistyped request makes a policy error, which denies.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import cedarpy
from cedarpy import pst

from strongroom import documents
from strongroom.access.facts import Facts, GrantFact
from strongroom.access.policy import Decision, Resource
from strongroom.access.principal import Principal
from strongroom.audit.entry import RequestContext
from strongroom.errors import BadInput
from strongroom.files import staged

if TYPE_CHECKING:
    from strongroom.instance import Instance

POLICY_FILE = "policy.cedar"
DEFAULT_SOURCE = "strongroom/access/policies/default.cedar (packaged default)"
# The unmet conditions a forbid may name, in the order a denial reports them.
CONDITIONS: tuple[str, ...] = (
    "tenant",
    "role",
    "grant",
    "grant-unapproved",
    "grant-expired",
    "grant-scope",
    "second-person",
    "ticket",
    "ticket-assignee",
    "ticket-closed",
    "shift",
    "badge",
    "training",
    "purpose",
    "ticket-kind",
    "mfa",
)
# What a denial says, per condition.
CONDITION_TEXT: dict[str, str] = {
    "tenant": "the resource belongs to another tenant",
    "role": "the principal's role does not permit this action",
    "grant": "no grant for this tenant covers this",
    "grant-unapproved": "the grant is not approved yet",
    "grant-expired": "the grant is not active",
    "grant-scope": "the action or a field is outside the grant",
    "second-person": "the approver must be a second person, not the requester or grantee",
    "ticket": "no ticket for this subject",
    "ticket-assignee": "the ticket is assigned to someone else",
    "ticket-closed": "the ticket is closed",
    "shift": "not inside a shift at the principal's site",
    "badge": "not badged in on the floor of the principal's site",
    "training": "required training is not current",
    "purpose": "no acceptable stated purpose",
    "ticket-kind": "the field's class is not one the ticket's kind allows",
    "mfa": "no second factor verified within the last 15 minutes",
}
# A field whose class the facts do not give; no table allows it, so its reveal fails closed.
UNKNOWN_CLASS = "UNKNOWN"
# Keys of the grant descriptor that grant.* actions carry in Resource.fields (`grant_resource`),
# and of the target's role that principal.reset carries (`principal_resource`).
_KIND, _REQUESTER, _ROLE = "kind=", "requester=", "role="
_LONG_MAX = 2**63 - 1


@dataclass(frozen=True)
class Rule:
    """One policy of a set as its author wrote it."""

    id: str
    effect: Literal["permit", "forbid"]
    condition: str | None
    line: int | None


@dataclass(frozen=True)
class _Standing:
    """One standing's answer: the permits and forbids that matched."""

    grant: GrantFact | None
    allowed: bool
    permits: tuple[Rule, ...]
    forbids: tuple[Rule, ...]


def grant_resource(
    tenant: str,
    grantee: str,
    kind: str,
    requester: str | None = None,
    grantee_role: str | None = None,
) -> Resource:
    """The resource of a grant.request / grant.approve / grant.revoke: the tenant, the grantee
    as subject, and the grant's kind, requester and (on a request) the grantee's role in
    `fields` as `kind=…`, `requester=…`, `role=…` (which the ledger then shows too), so the
    policy can refuse a grant its grantee could never use. An approval without a requester is
    refused."""
    fields = (f"{_KIND}{kind}",) + ((f"{_REQUESTER}{requester}",) if requester else ())
    fields += (f"{_ROLE}{grantee_role}",) if grantee_role else ()
    return Resource(tenant, (grantee,), fields)


def principal_resource(tenant: str | None, target: str, role: str) -> Resource:
    """The resource of a principal.reset: the target's tenant, the target as subject, and its
    role in `fields` as `role=…` (which the ledger then shows too), so the policy can tell
    whose sign-in a reset hands over."""
    return Resource(tenant, (target,), (f"{_ROLE}{role}",))


@cache
def default_policy_text() -> str:
    """The packaged default policy set (read once)."""
    return _package_text("default.cedar")


def _package_text(name: str) -> str:
    # `policies/` is package data, not a package: reached from its parent package.
    return resources.files("strongroom.access").joinpath("policies", name).read_text("utf-8")


@cache
def _schema() -> tuple[cedarpy.Schema, frozenset[str]]:
    """The packaged schema, parsed once, and the actions it names."""
    text = _package_text("schema.cedarschema.json")
    actions = frozenset(json.loads(text)[""]["actions"])
    return cedarpy.Schema.from_json_str(text), actions


def policy_spans(text: str) -> list[tuple[int, int, int]]:
    """Each policy in `text` as (first line, start offset, end offset): policies end at `;`
    outside strings and `//` comments. Used to name lines in errors, and by `upgrade` to copy
    a policy with its comments."""
    spans: list[tuple[int, int, int]] = []
    i, n, line = 0, len(text), 1
    begin: tuple[int, int] | None = None  # (line, offset) of the current policy's first char
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif not ch.isspace():
            if begin is None:
                begin = (line, i)
            if ch == '"':
                i += 1
                while i < n and text[i] != '"':
                    step = 2 if text[i] == "\\" else 1
                    line += text.count("\n", i, i + step)
                    i += step
            elif ch == ";":
                spans.append((begin[0], begin[1], i + 1))
                begin = None
        i += 1
    if begin is not None:
        spans.append((begin[0], begin[1], n))
    return spans


def _parse_error_line(text: str) -> int | None:
    """The first line of the first policy that does not parse on its own."""
    for line, start, end in policy_spans(text):
        try:
            cedarpy.PolicySet.from_str(text[start:end])
        except ValueError:
            return line
    return None


class CedarPolicy:
    """A validated Cedar policy set, deciding as the `Policy` protocol asks."""

    def __init__(self, text: str, source: str) -> None:
        """Raises BadInput (file, line) when the text is not a sound policy set."""
        self.text = text
        self.source = source
        self.sha256 = hashlib.sha256(text.encode()).hexdigest()
        schema, self._actions = _schema()
        try:
            self._set = cedarpy.PolicySet.from_str(text)
        except ValueError as exc:
            raise BadInput(
                f"not a Cedar policy set: {exc}", file=source, line=_parse_error_line(text)
            ) from exc
        try:
            tree = self._set.to_pst()
        except ValueError as exc:
            raise BadInput(f"cannot read the policy set: {exc}", file=source) from exc
        if tree.templates:
            raise BadInput("templates (?principal, ?resource) are not supported", file=source)
        self._rules = _rules(tree, text, source)
        # Each rule as Cedar parsed it by @id, its position aside (`meaning`).
        self._meaning = {
            self._rules[pid].id: dataclasses.replace(node, id="")
            for pid, node in tree.static_policies.items()
        }
        _check_schema(text, schema, self._rules, source)
        # Per action, the policies whose scope can match it, and the same without forbids
        # (asked on a denial, to learn which standings a permit matched: Cedar reports only
        # the determining policies). Requests name no Action entities, so `action in [...]`
        # is membership in the list, and a policy whose scope leaves the action out can
        # neither match nor err: dropping it changes no decision, and the ~60 % of the set
        # the record actions never touch is not evaluated on every request.
        self._sets: dict[str, tuple[cedarpy.PolicySet, cedarpy.PolicySet]] = {}
        for action in self._actions:
            scoped = {
                pid: node
                for pid, node in tree.static_policies.items()
                if _scope_admits(node, action)
            }
            permits = {pid: n for pid, n in scoped.items() if self._rules[pid].effect == "permit"}
            self._sets[action] = (_policy_set(scoped), _policy_set(permits))

    @property
    def rules(self) -> tuple[Rule, ...]:
        """In the order of the text."""
        return tuple(self._rules.values())

    def meaning(self, rule_id: str) -> object | None:
        """The rule `rule_id` as Cedar parsed it, its place in the text aside (equal for equal
        rules, whatever their layout, comments or order); None when there is none."""
        return self._meaning.get(rule_id)

    def decide(
        self,
        principal: Principal,
        action: str,
        resource: Resource,
        purpose: str | None,
        context: RequestContext,
        facts: Facts | None = None,
        *,
        own_standing: bool = True,
    ) -> Decision:
        """Allow when any standing is allowed; else deny naming the unmet condition. Without
        `own_standing`, only the grants the facts hold are standings (what a grant opens)."""
        if action not in self._actions:
            return Decision(
                False,
                f"unknown action {action!r}: the policy schema does not name it",
                ("default-deny",),
                condition="role",
            )
        grants = facts.grants if facts is not None else ()
        entities = _entities(principal, action, resource, facts)
        base = _context(purpose, context, facts)
        held = [{**base, "grant": _grant(g, self._actions)} for g in grants]
        contexts = [base, *held] if own_standing else held
        standing: tuple[GrantFact | None, ...] = (None, *grants) if own_standing else grants
        if not contexts:
            return Decision(False, CONDITION_TEXT["grant"], ("default-deny",), condition="grant")
        requests = [_request(principal, action, c) for c in contexts]
        scoped, permits_only = self._sets[action]
        results = cedarpy.is_authorized_batch(requests, scoped, entities)
        for result in results:
            if result.diagnostics.errors or result.decision == cedarpy.Decision.NoDecision:
                why = "; ".join(result.diagnostics.errors) or "no decision"
                return Decision(False, f"policy error: {why}", ("policy-error",), "policy-error")
        standings = [
            _Standing(g, r.allowed, *self._matched(r.diagnostics.reasons, r.allowed))
            for g, r in zip(standing, results, strict=True)
        ]
        for s in standings:
            if s.allowed:
                under = f" under grant {s.grant.id}" if s.grant is not None else ""
                ids = tuple(r.id for r in s.permits)
                return Decision(True, f"allowed{under} by {', '.join(ids)}", ids)
        self._note_permits(permits_only, requests, entities, standings)
        return _explain(standings)

    def _matched(
        self, reasons: list[str], allowed: bool
    ) -> tuple[tuple[Rule, ...], tuple[Rule, ...]]:
        rules = tuple(self._rules[pid] for pid in reasons if pid in self._rules)
        return (rules, ()) if allowed else ((), rules)

    def _note_permits(
        self,
        permits_only: cedarpy.PolicySet,
        requests: list[dict[str, Any]],
        entities: str,
        standings: list[_Standing],
    ) -> None:
        """On a denial by forbids, ask the permits alone which standings a permit matched."""
        asked = [i for i, s in enumerate(standings) if s.forbids]
        if not asked:
            return
        results = cedarpy.is_authorized_batch([requests[i] for i in asked], permits_only, entities)
        for i, result in zip(asked, results, strict=True):
            s = standings[i]
            permits = tuple(self._rules[p] for p in result.diagnostics.reasons)
            standings[i] = _Standing(s.grant, False, permits, s.forbids)


def _policy_set(policies: dict[str, Any]) -> cedarpy.PolicySet:
    return cedarpy.PolicySet.from_pst(
        pst.PolicySet(templates={}, static_policies=policies, template_links=())
    )


def _scope_admits(node: Any, action: str) -> bool:
    """False only when the policy's action scope provably leaves `action` out."""
    scope = node.action
    if isinstance(scope, pst.ActionEq):
        return bool(scope.entity.id == action)
    if isinstance(scope, pst.ActionIn):
        return any(e.id == action for e in scope.entities)
    return True


def _rules(tree: pst.PolicySet, text: str, source: str) -> dict[str, Rule]:
    """Each policy's @id, effect, @condition and line, by Cedar's positional id."""
    starts = [line for line, _, _ in policy_spans(text)]
    rules: dict[str, Rule] = {}
    seen: set[str] = set()
    for pid, node in sorted(tree.static_policies.items(), key=lambda kv: _position(kv[0])):
        n = _position(pid)
        line = starts[n] if len(starts) == len(tree.static_policies) and n >= 0 else None
        rule = _rule(node.effect, dict(node.annotations), source, line)
        if rule.id in seen:
            raise BadInput(f"two policies have @id({rule.id!r})", file=source, line=line)
        seen.add(rule.id)
        rules[pid] = rule
    if not any(r.effect == "permit" for r in rules.values()):
        raise BadInput("the policy set permits nothing (an empty set is an error)", file=source)
    return rules


def _position(pid: str) -> int:
    """Cedar names the policies of a parsed text policy0, policy1, … in order."""
    digits = pid.removeprefix("policy")
    return int(digits) if digits.isdigit() else -1


def _check_schema(text: str, schema: cedarpy.Schema, rules: dict[str, Rule], source: str) -> None:
    checked = cedarpy.validate_policies(text, schema)
    if checked.validation_passed:
        return
    first = checked.errors[0]
    rule = rules.get(first.policy_id)
    message = first.error
    if rule is not None:
        message = message.replace(f"`{first.policy_id}`", f"`{rule.id}`")
    raise BadInput(
        f"does not match the schema: {message}", file=source, line=rule.line if rule else None
    )


def _rule(effect: str, annotations: dict[str, str], source: str, line: int | None) -> Rule:
    rid = annotations.get("id", "").strip()
    if not rid:
        raise BadInput('every policy needs an @id("...")', file=source, line=line)
    condition = annotations.get("condition")
    if effect == "forbid":
        if condition not in CONDITIONS:
            raise BadInput(
                f"forbid {rid!r} needs @condition naming one of: {', '.join(CONDITIONS)}",
                file=source,
                line=line,
            )
        return Rule(rid, "forbid", condition, line)
    if condition is not None:
        raise BadInput(
            f"permit {rid!r} has a @condition; only forbids name one", file=source, line=line
        )
    return Rule(rid, "permit", None, line)


def _rank(condition: str | None) -> int:
    return CONDITIONS.index(condition) if condition in CONDITIONS else len(CONDITIONS)


def _explain(standings: list[_Standing]) -> Decision:
    """Which unmet condition a denial reports.

    A standing a permit matched is a path the principal is on; of those, the one that got
    furthest (its first unmet condition latest in `CONDITIONS`) is reported, the first such on
    a tie: an agent on her ticket, off shift, with an old expired grant hears "shift"; an agent
    without a ticket whose break-glass is pending hears "grant-unapproved". When no permit
    matched anywhere, the principal's own standing (the first) explains it: its first unmet
    condition, or "role" when no forbid names one. A grant no permit takes up is not a path
    and explains nothing."""
    on_path = [s for s in standings if s.permits]
    if on_path:
        best = max(on_path, key=lambda s: min(_rank(f.condition) for f in s.forbids))
        forbids = sorted(best.forbids, key=lambda f: _rank(f.condition))
    else:
        forbids = sorted(standings[0].forbids, key=lambda f: _rank(f.condition))
    if not forbids:
        return Decision(False, CONDITION_TEXT["role"], ("default-deny",), condition="role")
    condition = forbids[0].condition or "role"
    ids = tuple(dict.fromkeys(f.id for f in forbids))
    text = CONDITION_TEXT.get(condition, condition)
    return Decision(False, f"{text} ({forbids[0].id})", ids, condition=condition)


def _request(principal: Principal, action: str, context: dict[str, Any]) -> dict[str, Any]:
    return {
        "principal": {"type": "Principal", "id": principal.id},
        "action": {"type": "Action", "id": action},
        "resource": {"type": "Resource", "id": "resource"},
        "context": context,
    }


def _ref(principal_id: str) -> dict[str, Any]:
    return {"__entity": {"type": "Principal", "id": principal_id}}


def _entities(principal: Principal, action: str, resource: Resource, facts: Facts | None) -> str:
    who: dict[str, Any] = {"id": principal.id, "role": principal.role}
    if principal.tenant is not None:
        who["tenant"] = principal.tenant
    if principal.site is not None:
        who["site"] = principal.site
    known = facts.field_classes[: len(resource.fields)] if facts is not None else ()
    classes = list(known) + [UNKNOWN_CLASS] * (len(resource.fields) - len(known))
    what: dict[str, Any] = {
        "subjects": list(resource.subjects),
        "fields": list(resource.fields),
        "field_classes": classes,
    }
    if resource.tenant is not None:
        what["tenant"] = resource.tenant
    if action.startswith("grant."):
        what.update(_grant_descriptor(resource.fields))
    if action.startswith("grant.") or action == "principal.reset":
        roles = [f.removeprefix(_ROLE) for f in resource.fields if f.startswith(_ROLE)]
        if len(roles) == 1:  # none or two: left out, which the policy refuses
            what["target_role"] = roles[0]
    return json.dumps(
        [
            {"uid": {"type": "Principal", "id": principal.id}, "attrs": who, "parents": []},
            {"uid": {"type": "Resource", "id": "resource"}, "attrs": what, "parents": []},
        ]
    )


def _grant_descriptor(fields: tuple[str, ...]) -> dict[str, Any]:
    """`kind` and `requester` from a grant action's fields (`grant_resource`); one said twice
    is left out, which refuses the request rather than guess."""
    kinds = [f.removeprefix(_KIND) for f in fields if f.startswith(_KIND)]
    requesters = [f.removeprefix(_REQUESTER) for f in fields if f.startswith(_REQUESTER)]
    out: dict[str, Any] = {}
    if len(kinds) == 1:
        out["grant_kind"] = kinds[0]
    if len(requesters) == 1:
        out["requester"] = _ref(requesters[0])
    return out


def _context(purpose: str | None, context: RequestContext, facts: Facts | None) -> dict[str, Any]:
    stated = (purpose or "").strip()
    ctx: dict[str, Any] = {
        "purpose_length": len(stated),
        "training_current": bool(facts is not None and facts.training_current),
        "source": context.to_dict(),
    }
    if stated:
        ctx["purpose"] = stated
    if facts is None:
        return ctx
    if facts.ticket is not None:
        t = facts.ticket
        ctx["ticket"] = {
            "id": t.id,
            "tenant": t.tenant,
            "subject": t.subject,
            "assignee": _ref(t.assignee),
            "kind": t.kind,
            "open": t.open,
        }
    if facts.shift_site is not None:
        ctx["shift_site"] = facts.shift_site
    if facts.badged_in_site is not None:
        ctx["badged_in_site"] = facts.badged_in_site
    age = facts.mfa_age_s
    if age is not None and math.isfinite(age):  # NaN or infinity: as if never verified
        ctx["mfa_age_s"] = max(-_LONG_MAX, min(_LONG_MAX, math.ceil(age)))
    return ctx


def _grant(g: GrantFact, known: frozenset[str]) -> dict[str, Any]:
    return {
        "id": g.id,
        "kind": g.kind,
        "tenant": g.tenant,
        "approved": g.approved,
        "active": g.active,
        # An action the schema does not name can match nothing; leaving it out keeps the
        # request well-typed.
        "actions": [{"__entity": {"type": "Action", "id": a}} for a in g.actions if a in known],
        "fields": list(g.fields),
    }


@lru_cache(maxsize=16)
def parse_policy(text: str, source: str) -> CedarPolicy:
    """The policy set in `text`, parsed and validated once per (text, source).
    Raises BadInput naming `source` and the line."""
    return CedarPolicy(text, source)


_installed: dict[Path, tuple[tuple[int, int, int], CedarPolicy]] = {}
# The installed file's path per home: joining paths costs more than the stat each request pays.
_paths: dict[Path, Path] = {}


def load_policy(home: Path) -> CedarPolicy:
    """The policy in force for the instance at `home`: its installed `policy.cedar` when
    present, else the packaged default. The installed file is re-read only when it changes.
    Raises BadInput when the installed file is not a sound policy set (fails closed: nothing
    is decided on a policy that does not validate)."""
    path = _paths.get(home)
    if path is None:
        path = _paths[home] = home / POLICY_FILE
    try:
        st = path.stat()
    except FileNotFoundError:
        return parse_policy(default_policy_text(), DEFAULT_SOURCE)
    except OSError as exc:
        raise BadInput(f"cannot read the installed policy: {exc}", file=str(path)) from exc
    key = (st.st_ino, st.st_mtime_ns, st.st_size)
    hit = _installed.get(path)
    if hit is not None and hit[0] == key:
        return hit[1]
    policy = parse_policy(read_policy_file(path), str(path))
    _installed[path] = (key, policy)
    return policy


def read_policy_file(path: Path) -> str:
    """Raises BadInput when the file cannot be read as UTF-8 text (`documents.read_text`)."""
    return documents.read_text(path)


def install_policy(inst: Instance, principal: Principal, path: Path) -> CedarPolicy:
    """Validate the policy in `path`, then make it the instance's policy, through the gate
    (action `policy.install`, decided by the policy in force now) so the ledger records who
    installed which text (its SHA-256). Raises BadInput, Denied."""
    # Imported here so that the gate may one day take this module's policy as its default.
    from strongroom.access.gate import gate

    text = read_policy_file(path)
    policy = parse_policy(text, str(path))
    target = inst.home / POLICY_FILE
    details: dict[str, Any] = {
        "sha256": policy.sha256,
        "policies": len(policy.rules),
        "from": str(path),
    }
    try:
        in_force = load_policy(inst.home)
    except BadInput as exc:
        # A broken installed file decides nothing else; its replacement is decided by the
        # packaged default, so the instance's owner is never locked out of repairing it.
        in_force = parse_policy(default_policy_text(), DEFAULT_SOURCE)
        details["replaces_invalid"] = exc.message
    with (
        staged(target, text.encode("utf-8"), mode=0o600) as put,
        gate(
            inst.data,
            principal,
            "policy.install",
            Resource(None),
            details=details,
            policy=in_force,
        ),
    ):
        put()
    return load_policy(inst.home)
