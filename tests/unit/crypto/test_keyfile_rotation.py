"""The key-file root key across a rotation: stage a successor, wrap under it, retire the old.
(The PKCS#11 provider's are in tests/integration/test_root_rotation.py, against SoftHSM2.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    assert running.unwrap(moved, b"ctx") == b"secret"  # reads the files again, then opens
    assert running.unwrap(staged, b"ctx") == b"new"
    fresh = running.wrap(b"later", b"ctx")
    assert KeyFileProvider(key_file).unwrap(fresh, b"ctx") == b"later"
    with pytest.raises(KeyUnavailable, match="does not open"):
        running.unwrap(old, b"ctx")


def test_staging_again_keeps_the_successor_and_retiring_needs_one(key_file: Path) -> None:
    p = KeyFileProvider(key_file)
    with pytest.raises(KeyUnavailable, match="no successor"):
        p.retire()
    with pytest.raises(KeyUnavailable, match="no successor"):
        p.unwrap_staged(p.wrap(b"x", b"c"), b"c")
    assert p.stage() is False
    successor = successor_path(key_file).read_bytes()
    # A draft left by a rotation that died while writing it is no successor.
    successor_path(key_file).with_name("root.key.next.1.draft").write_bytes(b"short")
    assert p.stage() is True
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
