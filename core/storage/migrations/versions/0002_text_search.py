"""Substring search index on programs.search_text.

SQLite: an FTS5 table with the trigram tokenizer (LIKE '%…%' answered from the index),
kept in step with programs by triggers. PostgreSQL: a pg_trgm GIN index, which the planner
uses for the same LIKE. Neither is in the models' metadata: both are dialect-specific
accelerators of the same portable query (see core.storage.text_search).

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE = [
    "CREATE VIRTUAL TABLE programs_fts USING fts5("
    "search_text, content='programs', content_rowid='id', tokenize='trigram')",
    "INSERT INTO programs_fts(rowid, search_text) SELECT id, search_text FROM programs",
    "CREATE TRIGGER programs_fts_ai AFTER INSERT ON programs BEGIN "
    "INSERT INTO programs_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER programs_fts_ad AFTER DELETE ON programs BEGIN "
    "INSERT INTO programs_fts(programs_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER programs_fts_au AFTER UPDATE OF search_text ON programs BEGIN "
    "INSERT INTO programs_fts(programs_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO programs_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in SQLITE:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        available = bind.execute(
            sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        ).scalar()
        if available:
            op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            op.execute(
                "CREATE INDEX ix_programs_search_trgm ON programs "
                "USING gin (search_text gin_trgm_ops)"
            )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in ("programs_fts_ai", "programs_fts_ad", "programs_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS programs_fts")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_programs_search_trgm")
