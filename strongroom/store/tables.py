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
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    true,
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
    # False: the subject held the token before its record was put again without it. Erasing
    # the subject still shreds it (it was the subject's card), but it no longer keeps the
    # card alive when another subject who holds it now is erased.
    Column("current", Boolean, nullable=False, server_default=true()),
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

# --- The door's context (issue 5): who may act, and the facts the policy decides on. ---

principals = Table(
    "principals",
    data,
    # A person or an integration. Secrets are kept only as argon2id hashes (passwords) or
    # wrapped by the root key (TOTP secrets); `tenant_id` and `site` scope agents, auditors
    # and service accounts.
    Column("id", String(128), primary_key=True),
    Column("role", String(32), nullable=False),
    Column("tenant_id", String(64), nullable=True),
    Column("site", String(64), nullable=True),
    Column("password_hash", Text, nullable=True),
    Column("totp_sealed", LargeBinary, nullable=True),
    Column("totp_last_step", BigInteger, nullable=True),  # refuses a code used twice
    Column("failed_logins", Integer, nullable=False),
    Column("locked_until", String(32), nullable=True),
    Column("disabled_at", String(32), nullable=True),
    Column("created_at", String(32), nullable=False),
    # Set at enrolment and reset: the password must be changed at the first sign-in.
    Column("password_temporary", Boolean, nullable=False, server_default=false()),
    # The argon2id hashes of the passwords before the current one, newest first (JSON).
    Column("password_history", Text, nullable=True),
)

api_keys = Table(
    "api_keys",
    data,
    # Only a digest of the key is kept; the key itself is shown once when issued.
    Column("id", String(32), primary_key=True),
    Column("principal_id", String(128), nullable=False, index=True),
    Column("digest", LargeBinary(32), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("revoked_at", String(32), nullable=True),
)

sessions = Table(
    "sessions",
    data,
    Column("id", String(32), primary_key=True),
    Column("principal_id", String(128), nullable=False, index=True),
    Column("digest", LargeBinary(32), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
    Column("mfa_at", String(32), nullable=True),
    Column("revoked_at", String(32), nullable=True),
)

tickets = Table(
    "tickets",
    data,
    Column("tenant_id", String(64), primary_key=True),
    Column("ticket_id", String(64), primary_key=True),
    Column("subject_id", String(128), nullable=False),
    Column("assignee", String(128), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("opened_at", String(32), nullable=False),
    Column("closed_at", String(32), nullable=True),
    Index("ix_tickets_assignee_subject", "assignee", "tenant_id", "subject_id"),
    Index("ix_tickets_tenant_subject", "tenant_id", "subject_id"),
)

shifts = Table(
    "shifts",
    data,
    Column("actor", String(128), primary_key=True),
    Column("start_at", String(32), primary_key=True),
    Column("end_at", String(32), nullable=False),
    Column("site", String(64), nullable=False),
)

badge_events = Table(
    "badge_events",
    data,
    Column("actor", String(128), primary_key=True),
    Column("ts", String(32), primary_key=True),
    Column("site", String(64), primary_key=True),
    Column("zone", String(64), primary_key=True),
    Column("direction", String(8), nullable=False),
)

training = Table(
    "training",
    data,
    Column("actor", String(128), primary_key=True),
    Column("course", String(64), primary_key=True),
    Column("completed_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
)

grants = Table(
    "grants",
    data,
    # Break-glass (a supervisor's, approved by a second person) and vendor grants: time-boxed,
    # naming tenant, actions and fields (JSON lists).
    Column("id", String(32), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("grantee", String(128), nullable=False, index=True),
    Column("tenant_id", String(64), nullable=False),
    Column("actions", Text, nullable=False),
    Column("fields", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("requested_by", String(128), nullable=False),
    Column("approved_by", String(128), nullable=True),
    Column("approved_at", String(32), nullable=True),
    Column("starts_at", String(32), nullable=False),
    Column("ends_at", String(32), nullable=False),
    Column("revoked_at", String(32), nullable=True),
    Column("created_at", String(32), nullable=False),
)

# --- The live auditor (detect/live.py): its alerts, and how far into the ledger it has read. ---

alerts = Table(
    "alerts",
    data,
    # One alert per row, raised by the live auditor and written with its own ledger entry
    # (`ledger_index`), which also orders them. It names the actor, the tenant, the scenario and
    # the ledger entries that are its evidence; never a customer's value. Only the
    # acknowledgement changes afterwards. Not behind the tenant wall: like the ledger it is the
    # BPO's record about its own staff, read across tenants by security officers, and many
    # alerts (sign-ins, shared credentials) belong to no tenant.
    Column("id", String(32), primary_key=True),
    Column("ledger_index", BigInteger, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("tenant_id", String(64), nullable=True),
    Column("scenario", String(32), nullable=False),
    Column("score", Float, nullable=False),
    Column("severity", String(16), nullable=False),
    Column("start_at", String(32), nullable=False),
    Column("end_at", String(32), nullable=False),
    Column("explanation", Text, nullable=False),
    Column("evidence", Text, nullable=False),  # JSON list of event refs, e.g. "ledger:88"
    Column("raised_at", String(32), nullable=False),
    Column("status", String(16), nullable=False),  # open | acknowledged
    Column("acked_by", String(128), nullable=True),
    Column("acked_at", String(32), nullable=True),
    Column("ack_note", Text, nullable=True),
    Index("ix_alerts_ledger_index", "ledger_index", unique=True),
    Index("ix_alerts_status", "status", "ledger_index"),
    Index("ix_alerts_actor", "actor", "ledger_index"),
    Index("ix_alerts_tenant", "tenant_id", "ledger_index"),
)

detect_cursor = Table(
    "detect_cursor",
    data,
    # The index of the next ledger entry the live auditor will read (one row, `ledger`, made
    # by the migration), advanced in the transaction that stores the alerts of what it read.
    Column("name", String(32), primary_key=True),
    Column("next_index", BigInteger, nullable=False),
    Column("updated_at", String(32), nullable=False),
)
