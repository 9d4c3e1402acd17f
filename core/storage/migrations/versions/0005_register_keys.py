"""Register entries kept after a withdrawal recognise the same child: keyed digests.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("snils_key", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("person_key", sa.String(length=64), nullable=True))
    op.create_index("ix_certificates_snils_key", "certificates", ["snils_key"], unique=True)
    op.create_index("ix_certificates_person_key", "certificates", ["person_key"])


def downgrade() -> None:
    op.drop_index("ix_certificates_person_key", table_name="certificates")
    op.drop_index("ix_certificates_snils_key", table_name="certificates")
    with op.batch_alter_table("certificates") as batch:
        batch.drop_column("person_key")
        batch.drop_column("snils_key")
