"""portal: staff accounts are per sponsor, unique on (sponsor, email) rather than on email, so
that an administrator creating an account learns nothing of other sponsors' staff

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0014"
branch_labels = None
depends_on = "0008"  # the portal branch (0005, 0008) that made portal_staff

# SQLite's copy of the table (batch mode) reflects 0005's unnamed unique constraint under this
# name; PostgreSQL named it itself.
_SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _email_unique_name() -> str:
    return "uq_portal_staff_email" if op.get_bind().dialect.name == "sqlite" else "portal_staff_email_key"


def upgrade() -> None:
    with op.batch_alter_table("portal_staff", naming_convention=_SQLITE_NAMES) as batch_op:
        batch_op.drop_constraint(_email_unique_name(), type_="unique")
        batch_op.create_unique_constraint("uq_portal_staff_sponsor_email", ["sponsor_id", "email"])
        batch_op.create_index("ix_portal_staff_email", ["email"], unique=False)


def downgrade() -> None:
    # The older schema has one account per address. The address's first account keeps it; the
    # others (other sponsors' accounts of the same person) are renamed "<address>#<id>", which
    # no sign-in accepts: a downgrade loses their sign-in, never a row, a session or an audit trail.
    op.execute(sa.text("UPDATE portal_staff SET email = substr(email, 1, 300) || '#' || CAST(id AS VARCHAR(12)) "
                       "WHERE id NOT IN (SELECT first.id FROM (SELECT MIN(id) AS id FROM portal_staff "
                       "GROUP BY email) AS first)"))
    with op.batch_alter_table("portal_staff", naming_convention=_SQLITE_NAMES) as batch_op:
        batch_op.drop_index("ix_portal_staff_email")
        batch_op.drop_constraint("uq_portal_staff_sponsor_email", type_="unique")
        batch_op.create_unique_constraint(_email_unique_name(), ["email"])
