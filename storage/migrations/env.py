"""Alembic environment: always online, on the connection `storage.migrate` hands over."""

from alembic import context

from storage.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `gwbot db upgrade`, not with the alembic command")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite can alter tables only by rebuilding them.
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
