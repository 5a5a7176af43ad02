"""Only one process of a machine runs the live auditor: the one holding the watch lock."""

from __future__ import annotations

from pathlib import Path

from strongroom.api.live import WatchLock


def test_one_holder_at_a_time_and_the_next_takes_over_when_it_lets_go(tmp_path: Path) -> None:
    path = tmp_path / "run" / "auditor.lock"
    first, second = WatchLock(path), WatchLock(path)
    assert first.held()
    assert first.held()  # kept, not taken again
    assert not second.held()
    first.release()
    assert second.held()
    assert not first.held()
    second.release()
