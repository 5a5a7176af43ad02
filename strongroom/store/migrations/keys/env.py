"""Alembic environment for the keys store; run programmatically by `store.migrate`."""

from alembic import context

from strongroom.store.tables import keys as target_metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=target_metadata,
    version_table="alembic_version_keys",
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
