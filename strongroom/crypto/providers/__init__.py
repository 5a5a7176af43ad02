"""Root-key providers; `open_provider` picks one from the instance settings."""

from __future__ import annotations

from pathlib import Path

from strongroom.config import InstanceSettings
from strongroom.crypto.providers.interface import RootKeyProvider
from strongroom.errors import BadInput


def open_provider(settings: InstanceSettings, key_file: Path) -> RootKeyProvider:
    """Raises KeyUnavailable when the key cannot be reached, BadInput for an unknown kind."""
    if settings.provider == "keyfile":
        from strongroom.crypto.providers.keyfile import KeyFileProvider

        return KeyFileProvider(key_file)
    if settings.provider == "pkcs11":
        if settings.hsm is None:
            raise BadInput("provider is pkcs11 but no HSM settings were recorded", field="hsm")
        from strongroom.crypto.providers.pkcs11 import Pkcs11Provider

        return Pkcs11Provider(settings.hsm)
    raise BadInput(f"unknown root-key provider '{settings.provider}'", field="provider")


__all__ = ["RootKeyProvider", "open_provider"]
