"""Rate limits under several worker processes: each enforces its share."""

from __future__ import annotations

import pytest

from strongroom.api.limits import WORKERS_ENV, RateSettings, serving_workers
from strongroom.errors import BadInput


def test_each_of_n_workers_enforces_a_nth_and_a_burst_of_at_least_one() -> None:
    s = RateSettings(rate=50, burst=100, login_rate=1, login_burst=3)
    assert s.shared_by(1) == s
    four = s.shared_by(4)
    assert (four.rate, four.burst, four.login_rate, four.login_burst) == (12.5, 25, 0.25, 1)
    assert four.rate * 4 == s.rate and four.burst * 4 == s.burst


def test_workers_come_from_serve_and_a_bad_value_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(WORKERS_ENV, raising=False)
    assert serving_workers() == 1
    monkeypatch.setenv(WORKERS_ENV, "3")
    assert serving_workers() == 3
    for bad in ("0", "-1", "two", "65"):
        monkeypatch.setenv(WORKERS_ENV, bad)
        with pytest.raises(BadInput) as err:
            serving_workers()
        assert err.value.location.field == WORKERS_ENV
