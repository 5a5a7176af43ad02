"""Files written whole or not at all.

`staged` writes the new content to a temporary file beside the target and syncs it, then
lets the caller decide when to rename it into place (atomic on POSIX): a reader, or a crash,
sees the old file or the new one, never half of either. The policy install renames inside
the gate, so the ledger records exactly the file that takes effect.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from strongroom.errors import BadInput


def _cannot(path: Path, exc: OSError) -> BadInput:
    # strerror, not str(exc): the latter names the temporary file, which means nothing to anyone.
    return BadInput(f"cannot write: {exc.strerror or exc}", file=str(path))


def _default_mode() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def staged(path: Path, data: bytes, mode: int | None = None) -> Iterator[Callable[[], None]]:
    """Write `data` beside `path` and sync it; yield the function that renames it into place.
    If that is never called the temporary file is removed and `path` is untouched.

    A symbolic link at `path` is followed, not replaced. The file gets `mode`, else the mode
    of the file it replaces, else 0o666 less the umask (`mkstemp` alone would make it 0o600).
    Raises BadInput naming `path` when it cannot be written."""
    target = path.resolve()
    if mode is None:
        try:
            mode = stat.S_IMODE(target.stat().st_mode)
        except FileNotFoundError:
            mode = _default_mode()
        except OSError as exc:
            raise _cannot(path, exc) from exc
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}-", suffix=".tmp")
    except OSError as exc:
        raise _cannot(path, exc) from exc
    try:
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, mode)
        except OSError as exc:
            raise _cannot(path, exc) from exc

        def put() -> None:
            try:
                os.replace(tmp, target)
            except OSError as exc:
                raise _cannot(path, exc) from exc

        yield put
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_whole(path: Path, data: bytes, mode: int | None = None) -> None:
    """`path` replaced by `data` at once (see `staged`). Raises BadInput naming `path`."""
    with staged(path, data, mode) as put:
        put()
