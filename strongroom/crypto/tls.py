"""The instance's own TLS server certificate: self-signed, for the API on this machine.

`ensure_server_certificate` keeps one under `$STRONGROOM_HOME/tls/`: an ECDSA P-256 key
(PEM, PKCS#8, mode 0600, in a 0700 directory) and a certificate valid for one year, naming
`localhost`, `127.0.0.1` and `::1`. Clients trust it by pinning the certificate file itself
(it is its own issuer). A certificate that has expired or is missing its key is replaced; a
key file others can read is refused, as the root key file is.

pyca/cryptography makes the key and the certificate; nothing here is hand-rolled.
"""

from __future__ import annotations

import ipaddress
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from strongroom.errors import KeyUnavailable
from strongroom.files import write_whole

TLS_DIR = "tls"
CERT_FILE = "server.crt"
KEY_FILE = "server.key"
VALIDITY = timedelta(days=365)
DNS_NAMES = ("localhost",)
IP_ADDRESSES = ("127.0.0.1", "::1")


def server_certificate_paths(home: Path) -> tuple[Path, Path]:
    """(certificate, key) where an instance keeps its server certificate."""
    base = home / TLS_DIR
    return base / CERT_FILE, base / KEY_FILE


def ensure_server_certificate(home: Path) -> tuple[Path, Path]:
    """The instance's (certificate, key) files, made when absent, expired or unpaired.

    Raises KeyUnavailable when the key file is readable by others or the files cannot be
    written or read.
    """
    cert_path, key_path = server_certificate_paths(home)
    if cert_path.exists() and key_path.exists():
        _check_key_mode(key_path)
        if _still_valid(cert_path):
            return cert_path, key_path
    try:
        _write_pair(cert_path, key_path)
    except OSError as exc:
        raise KeyUnavailable(
            f"cannot write the server certificate under {cert_path.parent}: {exc.strerror}"
        ) from exc
    return cert_path, key_path


def new_server_certificate(now: datetime | None = None) -> tuple[bytes, bytes]:
    """(certificate PEM, private key PEM) for a new self-signed server certificate."""
    issued = (now or datetime.now(UTC)).replace(microsecond=0)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "strongroom local server")])
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(issued - timedelta(minutes=5))  # tolerate a little clock skew
        .not_valid_after(issued + VALIDITY)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(n) for n in DNS_NAMES]
                + [x509.IPAddress(ipaddress.ip_address(a)) for a in IP_ADDRESSES]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def _check_key_mode(key_path: Path) -> None:
    try:
        mode = stat.S_IMODE(key_path.stat().st_mode)
    except OSError as exc:
        raise KeyUnavailable(f"TLS key {key_path} cannot be read: {exc.strerror}") from exc
    if mode & 0o077:
        raise KeyUnavailable(
            f"TLS key {key_path} is readable by others (mode {mode:o}); chmod 600 it"
        )


def _still_valid(cert_path: Path) -> bool:
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except (OSError, ValueError):
        return False
    return cert.not_valid_after_utc > datetime.now(UTC)


def _write_pair(cert_path: Path, key_path: Path) -> None:
    """Write both files through temporary names, key first, so a reader never finds a
    certificate beside a key that is not its own."""
    cert_pem, key_pem = new_server_certificate()
    base = cert_path.parent
    base.mkdir(parents=True, exist_ok=True)
    os.chmod(base, 0o700)
    for path, data, mode in ((key_path, key_pem, 0o600), (cert_path, cert_pem, 0o644)):
        write_whole(path, data, mode)
