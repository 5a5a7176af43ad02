"""Rate limits: token buckets in memory, one per principal and one per client address.

A bucket holds up to `burst` tokens and refills at `rate` per second; a request takes one or
is refused with `RateLimited` saying when one will be there. Each principal has a bucket for
all its requests; each client address has one for logins and second-factor checks, which
slows password and code guessing whoever the caller claims to be. The buckets live in this
process only: under `serve --workers N` each worker enforces 1/N of every rate and burst
(`RateSettings.shared_by`), so a principal spread over all the workers never gets more than
the configured limit. The price: a client whose requests all reach one worker (one
keep-alive connection) gets 1/N of it; a limit meant to slow harvesting errs that way.

Settings come from the environment: `STRONGROOM_RATE_PER_S` (default 50) and
`STRONGROOM_RATE_BURST` (100) per principal; `STRONGROOM_LOGIN_RATE_PER_S` (1) and
`STRONGROOM_LOGIN_RATE_BURST` (10) per address.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from strongroom.errors import BadInput, RateLimited

MAX_KEYS = 100_000


@dataclass(frozen=True)
class RateSettings:
    rate: float = 50.0
    burst: float = 100.0
    login_rate: float = 1.0
    login_burst: float = 10.0

    @classmethod
    def from_env(cls) -> RateSettings:
        """Raises BadInput naming the variable that is not a positive number."""
        d = cls()
        return cls(
            rate=_positive("STRONGROOM_RATE_PER_S", d.rate),
            burst=_positive("STRONGROOM_RATE_BURST", d.burst),
            login_rate=_positive("STRONGROOM_LOGIN_RATE_PER_S", d.login_rate),
            login_burst=_positive("STRONGROOM_LOGIN_RATE_BURST", d.login_burst),
        )

    def shared_by(self, workers: int) -> RateSettings:
        """Each of `workers` processes' share; a burst never below one request."""
        if workers <= 1:
            return self
        return RateSettings(
            rate=self.rate / workers,
            burst=max(1.0, self.burst / workers),
            login_rate=self.login_rate / workers,
            login_burst=max(1.0, self.login_burst / workers),
        )


WORKERS_ENV = "STRONGROOM_SERVE_WORKERS"


def serving_workers() -> int:
    """How many processes `serve` started (it sets WORKERS_ENV for them); 1 when unset.
    Raises BadInput."""
    return _count(WORKERS_ENV, 1)


def _count(name: str, default: int) -> int:
    """A whole number from 1 to 64 in the environment variable `name`, else `default`.
    Raises BadInput naming the variable."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= 64:
        raise BadInput(f"{name} must be a whole number from 1 to 64, not {raw!r}", field=name)
    return int(raw)


def _positive(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0 or value == float("inf"):
        raise BadInput(f"{name} must be a positive number, not {raw!r}", field=name)
    return value


class TokenBuckets:
    """Buckets by key, safe to share between the threads that run route functions."""

    def __init__(
        self,
        rate: float,
        burst: float,
        *,
        what: str,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_KEYS,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise BadInput("a rate limit needs a positive rate and a burst of at least 1")
        self.rate = rate
        self.burst = burst
        self._what = what
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, key: str) -> None:
        """Take one token from `key`'s bucket. Raises RateLimited when it is empty."""
        with self._lock:
            now = self._clock()
            tokens, at = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                raise RateLimited(
                    f"too many requests {self._what}; slow down",
                    retry_after=(1 - tokens) / self.rate,
                )
            self._buckets[key] = (tokens - 1, now)
            if len(self._buckets) > self._max_keys:
                self._prune(now)

    def _prune(self, now: float) -> None:
        """Forget full buckets (forgetting them changes nothing); if that is not enough,
        forget the longest idle half."""
        refill = self.burst / self.rate
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < refill}
        if len(self._buckets) > self._max_keys:
            by_age = sorted(self._buckets.items(), key=lambda kv: kv[1][1])
            self._buckets = dict(by_age[len(by_age) // 2 :])


@dataclass(frozen=True)
class Limits:
    per_principal: TokenBuckets
    per_address: TokenBuckets

    @classmethod
    def from_settings(cls, s: RateSettings) -> Limits:
        return cls(
            TokenBuckets(s.rate, s.burst, what="from this principal"),
            TokenBuckets(s.login_rate, s.login_burst, what="to sign in from this address"),
        )


DEFAULT_WORKER_THREADS = 6


def worker_threads() -> int:
    """How many requests run service code at once: `STRONGROOM_API_THREADS` (default 6).

    Each running request holds up to two connections of a store's pool (a transaction may
    open another inside it), and SQLite engines keep one per thread besides; the default
    stays well inside SQLAlchemy's default pool (5 + 10 overflow), so a burst of requests
    queues for a thread instead of timing out on a connection. Raises BadInput."""
    return _count("STRONGROOM_API_THREADS", DEFAULT_WORKER_THREADS)
