"""Root key in a local file (mode 0600): the embedded default.

The file holds 32 random bytes from the OS generator (via pyca/cryptography). Wrapping is
AES-256-GCM with a fresh 96-bit nonce: `b"K1" || nonce || ciphertext+tag`.

A rotation stages its successor as `<file>.next` beside the key file and retires the current
key by renaming the successor over it (atomic on POSIX: there is never a moment without a
root key). Every process looks at both files before it wraps, when a secret does not open,
and at least once a second while it opens, so one started before a rotation follows it. The
blob carries no key id: a secret is tried under the current key, then the successor.
Renaming unlinks the old key's file; it does not scrub the disk blocks that held it
(journals, SSD remapping), and backups of the file are the operator's to destroy.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from strongroom.errors import KeyUnavailable

_MAGIC = b"K1"
_NONCE = 12
_LOOK_EVERY_S = 1.0  # how stale a process's view of the key files may be when it only opens

# What identifies a key file's content without reading it: inode, size and change time.
_Seen = tuple[int, int, int] | None


def create_key_file(path: Path) -> None:
    """Write a new root key; refuses to overwrite one (that would orphan every keyset)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(AESGCM.generate_key(bit_length=256))
        fh.flush()
        os.fsync(fh.fileno())


def successor_path(path: Path) -> Path:
    return path.with_name(path.name + ".next")


def _seen(path: Path) -> _Seen:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise KeyUnavailable(f"root key file {path} cannot be read: {exc.strerror}") from exc
    return (st.st_ino, st.st_size, st.st_ctime_ns)


def _read(path: Path) -> AESGCM:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        key = path.read_bytes()
    except OSError as exc:
        raise KeyUnavailable(f"root key file {path} cannot be read: {exc.strerror}") from exc
    if mode & 0o077:
        raise KeyUnavailable(
            f"root key file {path} is readable by others (mode {mode:o}); chmod 600 it"
        )
    if len(key) != 32:
        raise KeyUnavailable(f"root key file {path} is not a 256-bit key")
    return AESGCM(key)


def _sync_dir(path: Path) -> None:
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class KeyFileProvider:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._next_path = successor_path(path)
        self._lock = threading.Lock()
        self._seen: tuple[_Seen, _Seen] | None = None  # None: nothing read yet
        self._looked = 0.0  # monotonic time of the last look at the files
        # (current, successor), replaced whole so that a reader never sees half a change.
        self._keys: tuple[AESGCM, AESGCM | None]
        self._refresh()

    def _refresh(self) -> None:
        """Read the key files again if either changed since they were last read."""
        with self._lock:
            self._looked = time.monotonic()
            for _ in range(3):
                seen = (_seen(self._path), _seen(self._next_path))
                if seen == self._seen:
                    return
                current = _read(self._path)  # raises, naming the file, when it is missing
                try:
                    successor = _read(self._next_path) if seen[1] is not None else None
                except KeyUnavailable:
                    if self._next_path.exists():
                        raise
                    continue  # retired between the look and the read: look again
                self._keys, self._seen = (current, successor), seen
                return
            raise KeyUnavailable(f"root key files {self._path}(.next) keep changing")

    @property
    def name(self) -> str:
        return "keyfile"

    def wrap(self, plaintext: bytes, context: bytes) -> bytes:
        self._refresh()
        current, successor = self._keys
        nonce = os.urandom(_NONCE)
        return _MAGIC + nonce + (successor or current).encrypt(nonce, plaintext, context)

    def unwrap(self, wrapped: bytes, context: bytes) -> bytes:
        if self._keys[1] is not None or time.monotonic() - self._looked > _LOOK_EVERY_S:
            # A retired key must stop opening here soon, even in a process that only reads.
            self._refresh()
        keys = self._keys
        try:
            return self._open(wrapped, context, keys)
        except KeyUnavailable:
            self._refresh()
            if self._keys is keys:
                raise
        return self._open(wrapped, context, self._keys)

    def unwrap_staged(self, wrapped: bytes, context: bytes) -> bytes:
        self._refresh()
        successor = self._keys[1]
        if successor is None:
            raise KeyUnavailable(f"no successor root key is staged ({self._next_path})")
        return self._open(wrapped, context, (successor,))

    def _drafts(self) -> list[Path]:
        return list(self._path.parent.glob(f"{self._next_path.name}.*.draft"))

    def stage(self) -> bool:
        # Written whole under a name of its own, then linked into place, which fails if a
        # successor is there: a crash never leaves a successor of fewer than 32 bytes. Drafts
        # a crash left are removed: one may be a second link to the successor, which would
        # outlive its retirement.
        draft = self._next_path.with_name(f"{self._next_path.name}.{os.getpid()}.draft")
        try:
            owner = self._path.stat()
            for left in self._drafts():
                left.unlink(missing_ok=True)
            create_key_file(draft)
            if (owner.st_uid, owner.st_gid) != (os.geteuid(), os.getegid()):
                # Servers running as the key file's owner must read the successor too.
                os.chown(draft, owner.st_uid, owner.st_gid)
            try:
                os.link(draft, self._next_path)
                staged_before = False
            except FileExistsError:
                staged_before = True
            finally:
                draft.unlink()
            _sync_dir(self._path)
        except OSError as exc:
            raise KeyUnavailable(
                f"cannot write the successor root key {self._next_path}: {exc.strerror}"
            ) from exc
        self._refresh()
        return staged_before

    def retire(self) -> None:
        self._refresh()
        if self._keys[1] is None:
            raise KeyUnavailable(f"no successor root key is staged ({self._next_path})")
        try:
            for left in self._drafts():
                left.unlink(missing_ok=True)
            if self._path.stat().st_nlink != 1:
                raise KeyUnavailable(
                    f"root key file {self._path} has other hard links: remove them first, or "
                    "the old key outlives its retirement"
                )
            os.replace(self._next_path, self._path)
            _sync_dir(self._path)
        except OSError as exc:
            raise KeyUnavailable(
                f"cannot put the successor root key in place of {self._path}: {exc.strerror}"
            ) from exc
        self._refresh()

    @staticmethod
    def _open(wrapped: bytes, context: bytes, keys: tuple[AESGCM | None, ...]) -> bytes:
        if not wrapped.startswith(_MAGIC) or len(wrapped) < len(_MAGIC) + _NONCE + 16:
            raise KeyUnavailable("wrapped key is not in the key-file provider's format")
        nonce = wrapped[2 : 2 + _NONCE]
        for aead in keys:
            if aead is None:
                continue
            try:
                return aead.decrypt(nonce, wrapped[2 + _NONCE :], context)
            except InvalidTag:
                continue
        raise KeyUnavailable(
            "wrapped key does not open under this root key (altered, moved, or another key)"
        )
