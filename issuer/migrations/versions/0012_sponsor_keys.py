"""sponsor_keys: each sponsor's own signing keys; sponsors.legacy_keys_until

Sponsors that exist now signed with the platform's keys under their did:web. Their documents
keep listing the platform keys made up to now (for verification only), so every credential they
were issued keeps verifying; their own keys are made at the next start (the passphrase that
seals them is not the migration's to know).

Revision ID: 0012
Revises: 0009
Create Date: 2026-11-30
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

revision = "0012"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sponsor_keys",
        sa.Column("id", sa.String(length=100), primary_key=True),
        sa.Column("sponsor_id", sa.Integer(), sa.ForeignKey("sponsors.id"), nullable=False),
        sa.Column("family", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("public_key_multibase", sa.Text(), nullable=True),
        sa.Column("public_key_jwk", sa.JSON(), nullable=False),
        sa.Column("private_key_pem", sa.Text(), nullable=False),
    )
    op.create_index("ix_sponsor_keys_sponsor_id", "sponsor_keys", ["sponsor_id"])
    with op.batch_alter_table("sponsors") as batch_op:
        batch_op.add_column(sa.Column("legacy_keys_until", sa.DateTime(timezone=True), nullable=True))
    sponsors = sa.table("sponsors", sa.column("legacy_keys_until", sa.DateTime(timezone=True)))
    op.execute(sponsors.update().values(legacy_keys_until=datetime.now(timezone.utc)))


def downgrade() -> None:
    with op.batch_alter_table("sponsors") as batch_op:
        batch_op.drop_column("legacy_keys_until")
    op.drop_index("ix_sponsor_keys_sponsor_id", table_name="sponsor_keys")
    op.drop_table("sponsor_keys")
