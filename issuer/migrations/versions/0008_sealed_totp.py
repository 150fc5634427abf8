"""staff TOTP secrets sealed at rest: room for the encrypted form

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa

revision = "0008"
down_revision = "0005"
branch_labels = None
depends_on = None

COLUMNS = ("totp_secret", "totp_pending_secret")


def _resize(old: int, new: int) -> None:
    # SQLite does not enforce VARCHAR lengths, and rebuilding this table there (the only way it
    # alters a column) would trip the foreign keys that point at it: nothing to do on SQLite.
    if op.get_bind().dialect.name == "sqlite":
        return
    for column in COLUMNS:
        op.alter_column("portal_staff", column, type_=sa.String(length=new), existing_type=sa.String(length=old),
                        existing_nullable=True)


def upgrade() -> None:
    _resize(64, 255)


def downgrade() -> None:
    _resize(255, 64)
