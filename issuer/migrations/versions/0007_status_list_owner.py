"""status_lists.issuer and shuffle_key: lists signed by their credentials' issuer, random slots

Revision ID: 0007
Revises: 0001
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("status_lists") as batch_op:
        batch_op.add_column(sa.Column("issuer", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("shuffle_key", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_status_lists_issuer", ["issuer"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("status_lists") as batch_op:
        batch_op.drop_index("ix_status_lists_issuer")
        batch_op.drop_column("shuffle_key")
        batch_op.drop_column("issuer")
