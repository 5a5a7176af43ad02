"""Retiring the old versions of a tenant keyset: what the older keys sealed stops opening,
what the primary sealed still opens, and no version is renumbered."""

from __future__ import annotations

from pathlib import Path

import tink
from hypothesis import given, settings
from hypothesis import strategies as st
from tink import secret_key_access
from tink.proto import tink_pb2

from strongroom.crypto import DATA, Keyset, new_keyset, retire, rotate
from strongroom.crypto.keysets import unwrap_keyset, wrap_keyset
from strongroom.crypto.providers.keyfile import KeyFileProvider, create_key_file
from strongroom.errors import KeyUnavailable


def _opens(ks: Keyset, sealed: bytes, context: bytes) -> bool:
    try:
        ks.unseal(sealed, context)
    except KeyUnavailable:
        return False
    return True


def test_retire_destroys_every_key_but_the_primary_and_keeps_the_numbering() -> None:
    v1 = new_keyset(DATA)
    v2 = rotate(v1)
    v3 = rotate(v2)
    by_version = {1: v1.seal(b"one", b"ctx"), 2: v2.seal(b"two", b"ctx")}
    retired = retire(v3)
    assert (retired.versions, retired.primary_version, retired.retired_versions) == (3, 3, (1, 2))
    assert retired.key_ids == v3.key_ids  # listed still: no version renumbered
    for version, blob in by_version.items():
        assert v3.version_of(blob) == version and retired.version_of(blob) == version
        assert _opens(v3, blob, b"ctx")
        assert not _opens(retired, blob, b"ctx")
    fresh = retired.seal(b"three", b"ctx")
    assert retired.version_of(fresh) == 3 and retired.unseal(fresh, b"ctx") == b"three"
    assert v3.unseal(fresh, b"ctx") == b"three"  # the same key as before retiring
    assert retire(new_keyset(DATA)).retired_versions == ()  # one version: nothing to retire
    # Destroyed, not disabled: the material is gone from what gets wrapped and stored.
    stored = tink_pb2.Keyset.FromString(
        tink.proto_keyset_format.serialize(retired.handle, secret_key_access.TOKEN)
    )
    assert [(k.status, k.HasField("key_data")) for k in stored.key] == [
        (tink_pb2.DESTROYED, False),
        (tink_pb2.DESTROYED, False),
        (tink_pb2.ENABLED, True),
    ]


def test_a_retired_keyset_survives_wrapping_and_rotating_again(tmp_path: Path) -> None:
    path = tmp_path / "root.key"
    create_key_file(path)
    provider = KeyFileProvider(path)
    ks = retire(rotate(new_keyset(DATA)))
    back = unwrap_keyset(wrap_keyset(ks, provider, "acme"), provider, "acme", DATA)
    assert back.retired_versions == (1,) and back.primary_version == 2
    later = rotate(back)
    assert (later.primary_version, later.retired_versions) == (3, (1,))
    blob = back.seal(b"under 2", b"ctx")
    assert later.unseal(blob, b"ctx") == b"under 2"
    assert retire(later).retired_versions == (1, 2)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["seal", "rotate", "retire"]), min_size=1, max_size=12))
def test_only_what_the_versions_still_held_sealed_opens(steps: list[str]) -> None:
    """After any sequence of seals, rotations and retirements, a ciphertext opens exactly when
    no retirement came after a rotation away from the version that sealed it, and it keeps
    its version number."""
    ks = new_keyset(DATA)
    sealed: list[tuple[bytes, int]] = []
    primary, dead = 1, set[int]()  # the model
    for n, step in enumerate(steps):
        if step == "seal":
            sealed.append((ks.seal(str(n).encode(), b"ctx"), primary))
        elif step == "rotate":
            ks, primary = rotate(ks), primary + 1
        else:
            ks, dead = retire(ks), dead | set(range(1, primary))
    assert (ks.versions, ks.primary_version) == (primary, primary)
    assert set(ks.retired_versions) == dead
    for blob, version in sealed:
        assert ks.version_of(blob) == version
        assert _opens(ks, blob, b"ctx") == (version not in dead)
