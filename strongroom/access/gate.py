"""The one door: decide, record, and only then act.

`gate` is a context manager around one data-store transaction and one operation. On entry it
asks the policy; a refusal is written to the ledger in its own transaction and raised as
`Denied`. When allowed, the operation's entry is appended inside the transaction that the
caller's action then runs in, so the action and its record commit together or not at all. If
the action fails, its transaction (entry included) rolls back and one `failed` entry is
written instead: every attempt leaves exactly one entry. A failure to write an entry fails the
operation before anything is returned. An action may bring a `plan`: what it is about to
change (what a batch replaces), read in its transaction under the ledger's lock and written
into its entry; a failed entry leaves the plan out, since nothing of it happened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from strongroom.access.facts import Facts
from strongroom.access.policy import Decision, OperatorPolicy, Policy, Resource
from strongroom.access.principal import Principal
from strongroom.audit import Entry, Outcome, RequestContext, append
from strongroom.audit.ledger import lock
from strongroom.errors import Denied, StrongroomError
from strongroom.store.engine import Tx, transaction

DEFAULT_POLICY: Policy = OperatorPolicy()


@dataclass(frozen=True)
class Attempt:
    """One operation as the ledger sees it, before its outcome is known."""

    principal: Principal
    action: str
    resource: Resource
    purpose: str | None
    context: RequestContext
    details: dict[str, Any] | None

    def entry(self, outcome: Outcome, decision: Decision, reason: str | None = None) -> Entry:
        return Entry(
            ts=datetime.now(UTC),
            principal=self.principal.id,
            role=self.principal.role,
            tenant=self.resource.tenant,
            action=self.action,
            outcome=outcome,
            reason=reason or decision.reason,
            subjects=self.resource.subjects,
            fields=self.resource.fields,
            purpose=self.purpose,
            policies=decision.policies,
            context=self.context,
            details=self.details or {},
        )


def _refuse(decision: Decision) -> Denied:
    return Denied(
        decision.reason, condition=decision.condition or "policy", policies=decision.policies
    )


Gather = Callable[[Tx, Resource], Facts]
# Reads, in the allowed action's transaction, details only it can tell (`gate`'s `plan`).
Plan = Callable[[Tx], dict[str, Any]]


_UNDECIDED = Decision(False, "the operation failed before the policy decided", ())


class _Refused(Exception):
    """Unwinds the action's transaction after a refusal; never leaves this module."""


@dataclass
class Passage:
    """The open door: the transaction the action runs in, and a way to record what the action
    discloses beyond what was asked (a find's matches), each decided by the same policy on
    facts gathered for what is disclosed."""

    tx: Tx
    attempt: Attempt
    policy: Policy
    gather: Gather | None = None

    def disclose(self, action: str, resource: Resource) -> None:
        """Decide, subject by subject, and record a disclosure in this transaction. Raises
        Denied, failing the whole operation."""
        a = self.attempt
        policies: dict[str, None] = {}
        reason = ""
        for subject in resource.subjects or (None,):
            one = resource if subject is None else Resource(resource.tenant, (subject,))
            facts = self.gather(self.tx, one) if self.gather is not None else None
            decision = self.policy.decide(a.principal, action, one, a.purpose, a.context, facts)
            if not decision.allowed:
                raise _refuse(decision)
            policies.update(dict.fromkeys(decision.policies))
            reason = decision.reason
        shown = Attempt(a.principal, action, resource, a.purpose, a.context, None)
        decided = Decision(True, reason, tuple(policies))
        append(self.tx, [shown.entry("allowed", decided)])


@contextmanager
def gate(
    engine: Engine,
    principal: Principal,
    action: str,
    resource: Resource,
    purpose: str | None = None,
    context: RequestContext | None = None,
    *,
    details: dict[str, Any] | None = None,
    policy: Policy | None = None,
    gather: Gather | None = None,
    plan: Plan | None = None,
) -> Iterator[Passage]:
    """Yield the passage (its transaction) in which the allowed action must run.

    The facts are gathered (`gather`; none for the operator) and the policy decides inside
    the action's own transaction, so the action runs on the state it was allowed on. A
    refusal unwinds that transaction and is written in one of its own. `plan`, when given,
    reads in that transaction, once allowed, what the action is about to change (what a batch
    replaces), and its details join the entry's before it is written.

    Raises Denied (after recording the refusal); re-raises whatever the action raised (after
    recording the failure); StoreUnavailable when the entry cannot be written.
    """
    attempt = Attempt(principal, action, resource, purpose, context or RequestContext(), details)
    decider = policy or DEFAULT_POLICY
    refused: Decision | None = None
    decision = _UNDECIDED
    try:
        with transaction(engine, tenant=resource.tenant) as tx:
            facts = gather(tx, resource) if gather is not None else None
            decision = decider.decide(principal, action, resource, purpose, attempt.context, facts)
            if not decision.allowed:
                refused = decision
                raise _Refused
            planned = attempt
            if plan is not None:
                lock(tx)  # the plan reads what no concurrent writer is still changing
                planned = replace(attempt, details={**(attempt.details or {}), **plan(tx)})
            append(tx, [planned.entry("allowed", decision)])
            yield Passage(tx, planned, decider, gather)
    except _Refused:
        pass
    except BaseException as exc:
        why = exc.kind if isinstance(exc, StrongroomError) else type(exc).__name__
        try:
            with transaction(engine, tenant=resource.tenant) as tx:
                append(tx, [attempt.entry("failed", decision, reason=f"failed: {why}")])
        except StrongroomError:
            pass  # the original error is the one to report; the store is likely down
        raise
    if refused is not None:
        with transaction(engine, tenant=resource.tenant) as tx:
            append(tx, [attempt.entry("denied", refused)])
        raise _refuse(refused)
