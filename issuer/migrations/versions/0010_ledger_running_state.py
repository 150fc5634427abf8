"""Per-enrolment running state of the rules; the sponsor's own entry reference; a day index

Revision ID: 0010
Revises: 0001
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa

revision = "0010"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # No backfill: an enrolment without a state row gets one from its whole ledger on its next
    # entry (or `ler progress rebuild`).
    op.create_table(
        "enrollment_states",
        sa.Column("enrollment_id", sa.Integer(), sa.ForeignKey("enrollments.id"), primary_key=True),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.add_column("ledger_entries", sa.Column("entry_ref", sa.String(length=200), nullable=True))
    # The 24-hours-a-day check reads one apprentice's entries of a few days.
    op.create_index("ix_ledger_entries_enrollment_day", "ledger_entries", ["enrollment_id", "entry_date"])


def downgrade() -> None:
    op.drop_index("ix_ledger_entries_enrollment_day", table_name="ledger_entries")
    with op.batch_alter_table("ledger_entries") as batch_op:
        batch_op.drop_column("entry_ref")
    op.drop_table("enrollment_states")
