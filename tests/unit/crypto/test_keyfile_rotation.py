"""The key-file root key across a rotation: stage a successor, wrap under it, retire the old.
(The PKCS#11 provider's are in tests/integration/test_root_rotation.py, against SoftHSM2.)"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strongroom.crypto.providers import keyfile
from strongroom.crypto.providers.interface import rewrap
from strongroom.crypto.providers.keyfile import KeyFileProvider, create_key_file, successor_path
from strongroom.errors import KeyUnavailable


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "root.key"
    create_key_file(path)
    return path


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.binary(max_size=64), st.binary(max_size=32)), min_size=1, max_size=4))
def test_what_opens_before_during_and_after_a_rotation(
    tmp_path_factory: pytest.TempPathFactory, secrets: list[tuple[bytes, bytes]]
) -> None:
    path = tmp_path_factory.mktemp("root") / "root.key"
    create_key_file(path)
    p = KeyFileProvider(path)
    before = [(p.wrap(s, c), s, c) for s, c in secrets]
    assert p.stage() is False
    during = [(p.wrap(s, c), s, c) for s, c in secrets]
    for blob, s, c in before + during:
        assert p.unwrap(blob, c) == s  # both keys open everything while staged
    for blob, s, c in during:
        assert p.unwrap_staged(blob, c) == s
        assert rewrap(p, blob, c) is None  # already under the successor
    for blob, _, c in before:
        with pytest.raises(KeyUnavailable):
            p.unwrap_staged(blob, c)
    moved = [(rewrap(p, blob, c), s, c) for blob, s, c in before]
    p.retire()
    assert not successor_path(path).exists()
    for blob, s, c in [(b, s, c) for b, s, c in moved if b is not None] + during:
        assert p.unwrap(blob, c) == s
    for blob, _, c in before:
        with pytest.raises(KeyUnavailable):
            p.unwrap(blob, c)


def test_another_process_follows_the_stage_and_the_retirement(key_file: Path) -> None:
    rotating, running = KeyFileProvider(key_file), KeyFileProvider(key_file)
    old = running.wrap(b"secret", b"ctx")
    rotating.stage()
    staged = running.wrap(b"new", b"ctx")  # wraps under the successor once it is staged
    assert rotating.unwrap_staged(staged, b"ctx") == b"new"
    moved = rewrap(rotating, old, b"ctx")
    assert moved is not None
    rotating.retire()
    with pytest.raises(KeyUnavailable, match="does not open"):
        running.unwrap(old, b"ctx")  # it held the old key, and looks again before opening
    assert running.unwrap(moved, b"ctx") == b"secret"
    assert running.unwrap(staged, b"ctx") == b"new"
    fresh = running.wrap(b"later", b"ctx")
    assert KeyFileProvider(key_file).unwrap(fresh, b"ctx") == b"later"


def test_a_process_that_only_opens_drops_a_retired_key_within_a_second(
    key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = KeyFileProvider(key_file)  # never saw the successor staged
    old = reader.wrap(b"secret", b"ctx")
    rotating = KeyFileProvider(key_file)
    rotating.stage()
    rotating.retire()
    assert reader.unwrap(old, b"ctx") == b"secret"  # its last look was just now
    monkeypatch.setattr(keyfile, "_LOOK_EVERY_S", 0.0)
    with pytest.raises(KeyUnavailable, match="does not open"):
        reader.unwrap(old, b"ctx")


def test_a_missing_key_file_is_a_key_error_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(KeyUnavailable, match="cannot be read"):
        KeyFileProvider(tmp_path / "root.key")


def test_a_retired_key_with_another_hard_link_is_kept_and_named(
    key_file: Path, tmp_path: Path
) -> None:
    p = KeyFileProvider(key_file)
    p.stage()
    os.link(key_file, tmp_path / "copy-of-root.key")
    with pytest.raises(KeyUnavailable, match="other hard links"):
        p.retire()
    assert successor_path(key_file).exists()


def test_staging_again_keeps_the_successor_and_retiring_needs_one(key_file: Path) -> None:
    p = KeyFileProvider(key_file)
    with pytest.raises(KeyUnavailable, match="no successor"):
        p.retire()
    with pytest.raises(KeyUnavailable, match="no successor"):
        p.unwrap_staged(p.wrap(b"x", b"c"), b"c")
    assert p.stage() is False
    successor = successor_path(key_file).read_bytes()
    # A draft left by a rotation that died while writing it is no successor, and is removed.
    draft = successor_path(key_file).with_name("root.key.next.1.draft")
    draft.write_bytes(b"short")
    assert p.stage() is True
    assert not draft.exists()
    assert successor_path(key_file).read_bytes() == successor
    assert oct(successor_path(key_file).stat().st_mode & 0o777) == "0o600"
    p.retire()
    assert key_file.read_bytes() == successor


def test_a_successor_readable_by_others_is_refused(key_file: Path) -> None:
    p = KeyFileProvider(key_file)
    p.stage()
    successor_path(key_file).chmod(0o644)
    with pytest.raises(KeyUnavailable, match="readable by others"):
        p.wrap(b"x", b"c")
