"""The SQLite connection a thread keeps between transactions (real SQLite files)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strongroom.errors import Conflict, StoreUnavailable
from strongroom.store.engine import _Writers, open_engine, stamp, transaction


@pytest.fixture
def engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    e = open_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with transaction(e) as tx:
        tx.run("CREATE TABLE t (k TEXT PRIMARY KEY)")
    yield e
    e.dispose()


def _connection_of(tx) -> int:  # type: ignore[no-untyped-def]
    return id(tx._cur.connection)


def test_thread_reuses_its_connection_across_transactions(engine) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as tx:
        first = _connection_of(tx)
    with transaction(engine, read_only=True) as tx:
        assert _connection_of(tx) == first


def test_transaction_inside_another_gets_its_own_connection(engine) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine, read_only=True) as outer, transaction(engine, read_only=True) as inner:
        assert _connection_of(inner) != _connection_of(outer)
        assert inner.one("SELECT count(*) FROM t") == (0,)


def test_failed_transaction_leaves_nothing_open_for_the_next(engine) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as tx:
        tx.run("INSERT INTO t VALUES ('a')")
    with pytest.raises(Conflict), transaction(engine) as tx:
        tx.run("INSERT INTO t VALUES ('b')")
        tx.run("INSERT INTO t VALUES ('a')")
    with transaction(engine) as tx:  # would fail to BEGIN if a transaction were left open
        tx.run("INSERT INTO t VALUES ('c')")
    with transaction(engine, read_only=True) as tx:
        assert tx.column("SELECT k FROM t ORDER BY k") == ["a", "c"]


def test_kept_connection_sees_what_other_connections_commit(engine) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as tx:
        tx.many("INSERT INTO t VALUES (?)", [("a",), ("b",)])
    with transaction(engine, read_only=True) as tx:
        tx.one("SELECT k FROM t")  # one row of two read: the statement is left unfinished

    def write() -> None:
        with transaction(engine) as other:
            other.run("INSERT INTO t VALUES ('z')")

    worker = threading.Thread(target=write)
    worker.start()
    worker.join()
    with transaction(engine, read_only=True) as tx:
        assert tx.one("SELECT count(*) FROM t") == (3,)


def test_dispose_closes_every_thread_s_kept_connection(engine) -> None:  # type: ignore[no-untyped-def]
    kept = []

    def use() -> None:
        with transaction(engine, read_only=True) as tx:
            kept.append(tx._cur.connection)

    threads = [threading.Thread(target=use) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.dispose()
    for conn in kept:
        with pytest.raises(Exception, match="closed"):
            conn.execute("SELECT 1")


def test_connections_of_ended_threads_go_back_to_the_pool(tmp_path: Path) -> None:
    # A pool of 2 connections and no overflow: without giving back the connections of ended
    # threads, the third short-lived thread would wait for a connection that never returns.
    from sqlalchemy import create_engine

    engine = open_engine(f"sqlite:///{tmp_path / 'y.db'}")
    small = create_engine(engine.url, pool_size=2, max_overflow=0, pool_timeout=2)
    from strongroom.store import engine as engine_module

    engine_module._KEEPERS[small] = engine_module._Keeper()
    errors: list[BaseException] = []

    def use() -> None:
        try:
            with transaction(small, read_only=True) as tx:
                tx.one("SELECT 1")
        except BaseException as exc:
            errors.append(exc)

    for _ in range(8):
        t = threading.Thread(target=use)
        t.start()
        t.join()
    assert errors == []
    small.dispose()
    engine.dispose()


_offsets = st.builds(
    timezone, st.timedeltas(min_value=timedelta(hours=-23), max_value=timedelta(hours=23))
)


def _stamp_reference(when: datetime) -> str:
    """The original formula, which `stamp` must match character for character."""
    aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


@settings(max_examples=500)
@given(
    st.datetimes(
        min_value=datetime(2, 1, 1),
        max_value=datetime(9998, 12, 31),
        timezones=st.none() | st.just(UTC) | _offsets,
    )
)
def test_stamp_matches_the_reference_formula(when: datetime) -> None:
    assert stamp(when) == _stamp_reference(when)


def test_stamp_of_an_early_year_keeps_four_digits() -> None:
    assert stamp(datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC)) == "0999-01-02T03:04:05.000006Z"


# Writers queue on a lock file before SQLite's own write lock ------------------------------


def test_a_writer_waits_for_another_and_gives_up_after_its_timeout(tmp_path: Path) -> None:
    path = tmp_path / "db.writer-lock"
    first, second = _Writers(path), _Writers(path)  # two descriptors: as two processes
    first.acquire()
    with pytest.raises(StoreUnavailable, match="busy"):
        second.acquire(timeout=0.05)
    first.release()
    second.acquire(timeout=1)
    second.release()


def test_the_lock_is_reentrant_and_held_until_the_outer_release(tmp_path: Path) -> None:
    path = tmp_path / "db.writer-lock"
    mine, other = _Writers(path), _Writers(path)
    mine.acquire()
    mine.acquire()
    mine.release()
    with pytest.raises(StoreUnavailable):
        other.acquire(timeout=0.02)
    mine.release()
    other.acquire(timeout=1)
    other.release()


def test_threads_of_one_process_take_turns(tmp_path: Path) -> None:
    shared = _Writers(tmp_path / "db.writer-lock")
    inside = 0
    most = 0
    guard = threading.Lock()

    def write() -> None:
        nonlocal inside, most
        for _ in range(50):
            shared.acquire()
            with guard:
                inside += 1
                most = max(most, inside)
            with guard:
                inside -= 1
            shared.release()

    threads = [threading.Thread(target=write) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most == 1


def test_writing_transactions_take_the_lock_file_and_reads_do_not(engine) -> None:  # type: ignore[no-untyped-def]
    lock = Path(str(engine.url.database) + ".writer-lock")
    other = _Writers(lock)
    with transaction(engine, read_only=True):
        other.acquire(timeout=0.5)  # a read leaves the lock to writers
        other.release()
    with transaction(engine) as tx:
        tx.run("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
        with pytest.raises(StoreUnavailable):
            other.acquire(timeout=0.02)
    other.acquire(timeout=0.5)
    other.release()
    assert lock.stat().st_mode & 0o777 == 0o600
