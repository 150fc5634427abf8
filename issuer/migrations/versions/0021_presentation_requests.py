"""presentation: requests a verifier sends to a holder's wallet, and their verification reports

Revision ID: 0021
Revises: 0017
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "presentation_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("handle_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("wallet_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=200), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=300), nullable=False),
        sa.Column("domain", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("protocol", sa.String(length=16), nullable=True),
        sa.Column("report", sa.JSON(), nullable=True),
    )
    op.create_index("ix_presentation_requests_created_at", "presentation_requests", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_presentation_requests_created_at", table_name="presentation_requests")
    op.drop_table("presentation_requests")
