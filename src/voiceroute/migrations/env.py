"""Alembic environment: runs on the connection ``Database.upgrade`` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from voiceroute.models import Base

connection = context.config.attributes["connection"]

if connection.dialect.name == "postgresql":
    # Several API replicas may start at once against one PostgreSQL: only one migrates.
    connection.execute(text("SELECT pg_advisory_xact_lock(7301984211)"))

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
