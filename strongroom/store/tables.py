"""Tables of the data store and, apart from it, the key store.

The data store holds only sealed values, keyed digests and the audit ledger; no customer value
is ever written to it in clear. The key store holds wrapped tenant keysets and wrapped subject
data keys; it lives in its own database so that backups of the data store never carry keys.
Times are ISO 8601 UTC text (`2026-11-24T00:14:25.123456Z`): one format on every backend,
sortable as text, and read without conversion. Schema changes are Alembic migrations
(`store/migrations/`); these definitions must match the latest migration (a test checks).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

data = MetaData()
keys = MetaData()

tenants = Table(
    "tenants",
    data,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("spec", Text, nullable=False),  # the parsed spec as JSON: field names and classes only
    Column("retention_days", Integer, nullable=False),
    Column("created_at", String(32), nullable=False),
)

records = Table(
    "records",
    data,
    Column("tenant_id", String(64), primary_key=True),
    Column("subject_id", String(128), primary_key=True),
    Column("sealed", Text, nullable=False),  # JSON {field: base64(sealed value)}
    Column("tokens", Text, nullable=False),  # JSON {field: token} for tokenized fields
    Column("created_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
)

blind_index = Table(
    "blind_index",
    data,
    Column("tenant_id", String(64), primary_key=True),
    Column("field", String(64), primary_key=True),
    Column("digest", LargeBinary(16), primary_key=True),
    Column("subject_id", String(128), primary_key=True),
)

# The token vault lives in the key store: deleting an entry there shreds the card for good,
# as deleting a subject key does, with no copy left in backups of the data store.
token_vault = Table(
    "token_vault",
    keys,
    Column("tenant_id", String(64), primary_key=True),
    Column("token", String(32), primary_key=True),
    Column("fingerprint", LargeBinary(32), nullable=False),
    Column("sealed", LargeBinary, nullable=False),
    Column("created_at", String(32), nullable=False),
    UniqueConstraint("tenant_id", "fingerprint", name="uq_token_vault_fingerprint"),
)

token_refs = Table(
    "token_refs",
    keys,
    Column("tenant_id", String(64), primary_key=True),
    Column("token", String(32), primary_key=True),
    Column("subject_id", String(128), primary_key=True),
)

erasures = Table(
    "erasures",
    data,
    Column("tenant_id", String(64), primary_key=True),
    Column("subject_id", String(128), primary_key=True),
    Column("erased_at", String(32), nullable=False),
)

audit_entries = Table(
    "audit_entries",
    data,
    # The body (canonical JSON, RFC 8785) is the one source of truth: search filters read it
    # through expression indexes (migration 0004) rather than copies in columns, so there is
    # no second version of an entry to fall out of step with the signed one.
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    ),
    Column("body", Text, nullable=False),
    Column("prev_hash", LargeBinary(32), nullable=False),
    Column("entry_hash", LargeBinary(32), nullable=False),
)

audit_nodes = Table(
    "audit_nodes",
    data,
    # Hashes of the ledger's perfect Merkle subtrees (level 0 = leaf hashes), built when a
    # checkpoint is issued, so that any proof up to a checkpoint reads O(log n) stored nodes.
    Column("level", Integer, primary_key=True, autoincrement=False),
    Column(
        "idx", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    ),
    Column("hash", LargeBinary(32), nullable=False),
)

checkpoints = Table(
    "checkpoints",
    data,
    Column(
        "size", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    ),
    Column("root", LargeBinary(32), nullable=False),
    Column("note", Text, nullable=False),  # the C2SP signed note, exactly as issued
    Column("created_at", String(32), nullable=False),
)

tenant_keysets = Table(
    "tenant_keysets",
    keys,
    Column("tenant_id", String(64), primary_key=True),
    Column("purpose", String(16), primary_key=True),
    Column("wrapped", LargeBinary, nullable=False),
    Column("provider", String(16), nullable=False),
    Column("updated_at", String(32), nullable=False),
)

signing_keys = Table(
    "signing_keys",
    keys,
    # The checkpoint key when the root key is a key file: an Ed25519 private key wrapped by the
    # root key. With an HSM the key pair lives in the token and this table stays empty.
    Column("name", String(200), primary_key=True),
    Column("wrapped", LargeBinary, nullable=False),
    Column("public_key", LargeBinary(32), nullable=False),
    Column("created_at", String(32), nullable=False),
)

subject_keys = Table(
    "subject_keys",
    keys,
    Column("tenant_id", String(64), primary_key=True),
    Column("subject_id", String(128), primary_key=True),
    Column("wrapped", LargeBinary, nullable=False),
    Column("key_version", Integer, nullable=False),
    Column("created_at", String(32), nullable=False),
)
