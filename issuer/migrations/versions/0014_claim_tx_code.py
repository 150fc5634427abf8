"""delivery: a claim link keeps the transaction code requirement of the offer it came with, and
its offers share one budget of wrong codes

Revision ID: 0014
Revises: 0009
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa

revision = "0014"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("delivery_claim_links") as batch_op:
        batch_op.add_column(sa.Column("tx_code_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("tx_code_length", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("tx_code_attempts", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("delivery_offers") as batch_op:
        batch_op.add_column(sa.Column("claim_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_delivery_offers_claim_id", ["claim_id"])


def downgrade() -> None:
    with op.batch_alter_table("delivery_offers") as batch_op:
        batch_op.drop_index("ix_delivery_offers_claim_id")
        batch_op.drop_column("claim_id")
    with op.batch_alter_table("delivery_claim_links") as batch_op:
        batch_op.drop_column("tx_code_attempts")
        batch_op.drop_column("tx_code_length")
        batch_op.drop_column("tx_code_hash")
