"""The CRM's side of the simulation: tickets, and what people remember of them.

What this module guarantees:

- Ticket ids (`T-100001` …) are unique in a run and numbered in the order tickets are opened
  in generation, honest or not: an attacker's tickets look like anyone's.
- A callback (an agent phoning a customer back without a ticket) only ever reaches a customer
  that agent had a ticket for in the previous `CALLBACK_DAYS` days, never one of the same day.
- A supervisor only reviews tickets of their own team that were closed before the review.

Memory is bounded per actor: a week of subject numbers per agent (as compact arrays) and a
few hundred tickets per supervisor.
"""

from __future__ import annotations

import random
from array import array
from collections import deque

from strongroom.sim.world import Tenant
from strongroom.sim.writer import Batch

CALLBACK_DAYS = 7
_REVIEW_POOL = 300


class TicketDesk:
    """Opens tickets and keeps the memory that honest follow-up work is drawn from."""

    def __init__(self) -> None:
        self._next = 100_001
        self._history: dict[str, deque[tuple[int, array[int]]]] = {}
        self._reviews: dict[str, deque[tuple[str, str, int]]] = {}

    def open(
        self,
        batch: Batch,
        tenant: Tenant,
        subject: str,
        assignee: str,
        opened: int,
        closed: int | None,
        kind: str,
    ) -> str:
        """A new ticket, written to the batch; returns its id."""
        ticket = f"T-{self._next}"
        self._next += 1
        batch.ticket(ticket, tenant.id, subject, assignee, opened, closed, kind)
        return ticket

    # Callbacks ------------------------------------------------------------------------------

    def remember(self, agent: str, day: int, subjects: array[int]) -> None:
        """The subjects (numbers in the agent's tenant) the agent had tickets for on `day`."""
        if not subjects:
            return
        kept = self._history.setdefault(agent, deque())
        kept.append((day, subjects))
        while kept and kept[0][0] < day - CALLBACK_DAYS:
            kept.popleft()

    def callback(self, agent: str, day: int, rng: random.Random) -> int | None:
        """A subject number the agent had a ticket for in the days before `day`, or None."""
        kept = [s for d, s in self._history.get(agent, ()) if day - CALLBACK_DAYS <= d < day]
        if not kept:
            return None
        subjects = kept[int(rng.random() * len(kept))]
        return subjects[int(rng.random() * len(subjects))]

    # Reviews --------------------------------------------------------------------------------

    def for_review(self, supervisor: str, ticket: str, subject: str, closed: int) -> None:
        """Offer a closed ticket to the team's supervisor for review."""
        pool = self._reviews.get(supervisor)
        if pool is None:
            pool = self._reviews[supervisor] = deque(maxlen=_REVIEW_POOL)
        pool.append((ticket, subject, closed))

    def review(self, supervisor: str, ts: int, rng: random.Random) -> tuple[str, str] | None:
        """(ticket, subject) of a team ticket closed before `ts`, or None."""
        pool = self._reviews.get(supervisor)
        if not pool:
            return None
        for _ in range(4):
            ticket, subject, closed = pool[int(rng.random() * len(pool))]
            if closed < ts:
                return ticket, subject
        return None
