"""PostgreSQL: room in each page for the monthly updates of applications and certificates.

A month close rewrites every enrolled application's reserved_left and every certificate's
balance, none of them an indexed column: with free room in the page PostgreSQL updates the
row in place (a HOT update) instead of writing a new entry into each of the table's
indexes. SQLite has no such setting.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("applications", "certificates")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} SET (fillfactor = 80)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} RESET (fillfactor)")
