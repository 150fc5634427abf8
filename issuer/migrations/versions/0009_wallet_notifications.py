"""delivery_copies: the OpenID4VCI notification id of a copy and the wallet's last event

Revision ID: 0009
Revises: 0003
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa

revision = "0009"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("delivery_copies") as batch_op:
        batch_op.add_column(sa.Column("notification_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("wallet_event", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("wallet_event_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint("uq_delivery_notification", ["notification_hash"])


def downgrade() -> None:
    with op.batch_alter_table("delivery_copies") as batch_op:
        batch_op.drop_constraint("uq_delivery_notification", type_="unique")
        batch_op.drop_column("wallet_event_at")
        batch_op.drop_column("wallet_event")
        batch_op.drop_column("notification_hash")
