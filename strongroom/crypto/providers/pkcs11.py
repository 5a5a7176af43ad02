"""Root key inside a PKCS#11 token (an HSM; SoftHSM2 in tests).

The AES-256 key is generated in the token as sensitive and non-extractable; wrapping is
CKM_AES_GCM performed by the token, so the key's bytes never reach this process. The nonce
comes from the OS generator and travels with the blob: `b"P1" || nonce || ciphertext+tag`.
The PIN is read from an environment variable named in the instance settings, never stored.

A rotation stages its successor as a key labelled `<label>.next` in the same token, then
retires the current key by destroying it in the token and relabelling the successor. Every
process finds both keys again before it wraps, and when a secret does not open, so one
started before a rotation follows it. A crash between the destruction and the relabelling
leaves only the successor, which is then used as the current key.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import pkcs11
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11.mechanisms import GCMParams
from pkcs11.util.ec import encode_named_curve_parameters

from strongroom.config import HsmSettings
from strongroom.errors import KeyUnavailable

_MAGIC = b"P1"
_ED25519_OID = "1.3.101.112"
_NONCE = 12


def _pin(settings: HsmSettings) -> str:
    pin = os.environ.get(settings.pin_env)
    if not pin:
        raise KeyUnavailable(f"the HSM PIN is read from ${settings.pin_env}, which is not set")
    return pin


def _open_session(settings: HsmSettings) -> Any:
    try:
        lib = pkcs11.lib(settings.module)
        token = lib.get_token(token_label=settings.token)
        pin = _pin(settings)
        try:
            return token.open(user_pin=pin, rw=True)
        except pkcs11.UserAlreadyLoggedIn:
            # Login is per process in PKCS#11: a second instance opened in this process (a
            # rotation beside a server's, a test) shares the first one's login.
            return token.open(rw=True)
    except KeyUnavailable:
        raise
    except (pkcs11.PKCS11Error, RuntimeError, OSError) as exc:
        raise KeyUnavailable(
            f"cannot open PKCS#11 token '{settings.token}' with module {settings.module}: "
            f"{type(exc).__name__} {exc}"
        ) from exc


def _generate(session: Any, label: str) -> Any:
    return session.generate_key(
        KeyType.AES,
        256,
        label=label,
        store=True,
        template={
            Attribute.SENSITIVE: True,
            Attribute.EXTRACTABLE: False,
            Attribute.ENCRYPT: True,
            Attribute.DECRYPT: True,
        },
    )


def _find(session: Any, label: str) -> Any | None:
    try:
        return session.get_key(object_class=ObjectClass.SECRET_KEY, label=label)
    except pkcs11.NoSuchKey:
        return None


def _handles(keys: tuple[Any, ...]) -> tuple[int | None, ...]:
    return tuple(None if k is None else k.handle for k in keys)


def create_root_key(settings: HsmSettings) -> None:
    """Generate the root key inside the token unless one with the label exists."""
    session = _open_session(settings)
    try:
        if _find(session, settings.key_label) is None:
            _generate(session, settings.key_label)
    except pkcs11.PKCS11Error as exc:
        raise KeyUnavailable(f"cannot create the root key in the token: {exc!r}") from exc
    finally:
        session.close()


class Pkcs11Provider:
    def __init__(self, settings: HsmSettings) -> None:
        self._settings = settings
        self._next_label = f"{settings.key_label}.next"
        self._session = _open_session(settings)
        # A PKCS#11 session is not safe for concurrent operations.
        self._lock = threading.Lock()
        try:
            with self._lock:
                self._keys = self._find_keys()
        except KeyUnavailable:
            self._session.close()
            raise

    def _find_keys(self) -> tuple[Any, Any | None]:
        """(current, successor) as the token holds them now; under the lock."""
        try:
            current = _find(self._session, self._settings.key_label)
            successor = _find(self._session, self._next_label)
        except pkcs11.PKCS11Error as exc:
            raise KeyUnavailable(f"cannot look up the root key in the token: {exc!r}") from exc
        if current is None and successor is None:
            raise KeyUnavailable(
                f"no root key labelled '{self._settings.key_label}' in token "
                f"'{self._settings.token}'"
            )
        return (current, None) if successor is None else (current or successor, successor)

    @property
    def name(self) -> str:
        return "pkcs11"

    def close(self) -> None:
        """Close the token session; closing twice is harmless."""
        with self._lock:
            if self._session is not None:
                self._session.close()
                self._session = None

    def note_signer(self, name: str) -> Pkcs11Signer:
        """The checkpoint key pair in the token (created on first use). Raises KeyUnavailable."""
        label = f"{self._settings.key_label}-checkpoint"
        try:
            with self._lock:
                try:
                    private = self._session.get_key(
                        object_class=ObjectClass.PRIVATE_KEY, label=label
                    )
                    public = self._session.get_key(object_class=ObjectClass.PUBLIC_KEY, label=label)
                except pkcs11.NoSuchKey:
                    params = self._session.create_domain_parameters(
                        KeyType.EC_EDWARDS,
                        {Attribute.EC_PARAMS: encode_named_curve_parameters(_ED25519_OID)},
                        local=True,
                    )
                    public, private = params.generate_keypair(
                        store=True,
                        label=label,
                        mechanism=Mechanism.EC_EDWARDS_KEY_PAIR_GEN,
                        private_template={Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False},
                    )
                point = bytes(public[Attribute.EC_POINT])
        except pkcs11.PKCS11Error as exc:
            raise KeyUnavailable(f"the HSM has no usable checkpoint key: {exc!r}") from exc
        # EC_POINT is a DER OCTET STRING holding the 32-byte key.
        raw = point[2:] if len(point) == 34 and point[:2] == b"\x04\x20" else point
        return Pkcs11Signer(name, raw, private, self._lock)

    def wrap(self, plaintext: bytes, context: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        try:
            with self._lock:
                self._keys = self._find_keys()
                current, successor = self._keys
                ct = (successor or current).encrypt(
                    plaintext,
                    mechanism=Mechanism.AES_GCM,
                    mechanism_param=GCMParams(nonce, context),
                )
        except pkcs11.PKCS11Error as exc:
            raise KeyUnavailable(f"the HSM refused to wrap: {exc!r}") from exc
        return _MAGIC + nonce + bytes(ct)

    def unwrap(self, wrapped: bytes, context: bytes) -> bytes:
        with self._lock:
            try:
                return self._open(wrapped, context, self._keys)
            except KeyUnavailable:
                found = self._find_keys()
                if _handles(found) == _handles(self._keys):
                    raise
                self._keys = found
            return self._open(wrapped, context, found)

    def unwrap_staged(self, wrapped: bytes, context: bytes) -> bytes:
        with self._lock:
            self._keys = self._find_keys()
            successor = self._keys[1]
            if successor is None:
                raise KeyUnavailable(
                    f"no successor root key labelled '{self._next_label}' is staged"
                )
            return self._open(wrapped, context, (successor,))

    def stage(self) -> bool:
        with self._lock:
            self._keys = self._find_keys()
            if self._keys[1] is not None:
                return True
            try:
                _generate(self._session, self._next_label)
            except pkcs11.PKCS11Error as exc:
                raise KeyUnavailable(f"cannot create the successor root key: {exc!r}") from exc
            self._keys = self._find_keys()
            return False

    def retire(self) -> None:
        with self._lock:
            current, successor = self._keys = self._find_keys()
            if successor is None:
                raise KeyUnavailable(
                    f"no successor root key labelled '{self._next_label}' is staged"
                )
            try:
                if current is not successor:
                    current.destroy()
                successor[Attribute.LABEL] = self._settings.key_label
            except pkcs11.PKCS11Error as exc:
                raise KeyUnavailable(f"the HSM refused to retire the root key: {exc!r}") from exc
            self._keys = self._find_keys()

    @staticmethod
    def _open(wrapped: bytes, context: bytes, keys: tuple[Any, ...]) -> bytes:
        if not wrapped.startswith(_MAGIC) or len(wrapped) < len(_MAGIC) + _NONCE + 16:
            raise KeyUnavailable("wrapped key is not in the PKCS#11 provider's format")
        nonce = wrapped[2 : 2 + _NONCE]
        for key in keys:
            if key is None:
                continue
            try:
                return bytes(
                    key.decrypt(
                        wrapped[2 + _NONCE :],
                        mechanism=Mechanism.AES_GCM,
                        mechanism_param=GCMParams(nonce, context),
                    )
                )
            except pkcs11.PKCS11Error:
                continue
        raise KeyUnavailable(
            "wrapped key does not open under the HSM root key (altered, moved, or another key)"
        )


class Pkcs11Signer:
    """Ed25519 signing inside the token (CKM_EDDSA)."""

    def __init__(self, name: str, public_key: bytes, private: Any, lock: threading.Lock) -> None:
        self._name = name
        self._public = public_key
        self._private = private
        self._lock = lock

    @property
    def name(self) -> str:
        return self._name

    @property
    def public_key(self) -> bytes:
        return self._public

    def sign(self, message: bytes) -> bytes:
        try:
            with self._lock:
                return bytes(self._private.sign(message, mechanism=Mechanism.EDDSA))
        except pkcs11.PKCS11Error as exc:
            raise KeyUnavailable(f"the HSM refused to sign: {exc!r}") from exc
