"""`files.staged`: a file is replaced whole or not at all."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from strongroom.errors import BadInput
from strongroom.files import staged, write_whole


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_nothing_changes_until_put_and_nothing_is_left_when_it_is_not_called(
    tmp_path: Path,
) -> None:
    target = tmp_path / "f"
    target.write_bytes(b"old")
    with staged(target, b"new") as put:
        assert target.read_bytes() == b"old"
        assert len(list(tmp_path.iterdir())) == 2  # the staged copy beside it
    assert target.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [target]
    with pytest.raises(RuntimeError), staged(target, b"new"):
        raise RuntimeError("the caller changed its mind")
    assert list(tmp_path.iterdir()) == [target] and target.read_bytes() == b"old"
    with staged(target, b"new") as put:
        put()
    assert target.read_bytes() == b"new" and list(tmp_path.iterdir()) == [target]


def test_the_mode_is_given_else_kept_else_the_umasks(tmp_path: Path) -> None:
    kept = tmp_path / "kept"
    kept.write_bytes(b"")
    kept.chmod(0o640)
    write_whole(kept, b"x")
    assert _mode(kept) == 0o640
    write_whole(kept, b"x", 0o600)
    assert _mode(kept) == 0o600
    old = os.umask(0o027)
    try:
        write_whole(tmp_path / "new", b"x")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "new") == 0o640


def test_a_link_is_followed_not_replaced(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.write_bytes(b"old")
    link = tmp_path / "link"
    link.symlink_to(real)
    write_whole(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"


def test_what_cannot_be_written_is_bad_input_naming_the_target(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="cannot write") as missing:
        write_whole(tmp_path / "no-dir" / "f", b"x")
    assert missing.value.location.file == str(tmp_path / "no-dir" / "f")
    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(BadInput, match="Is a directory") as in_the_way:
        write_whole(folder, b"x")
    assert ".tmp" not in in_the_way.value.message
    assert list(tmp_path.iterdir()) == [folder]
