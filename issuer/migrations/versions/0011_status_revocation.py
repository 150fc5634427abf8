"""status_lists.legacy_message: lists that keep publishing the two-bit `message` view for the Open
Badges issued before OB credentials carried a one-bit `revocation` entry; sponsors.vcapi_status

Every list that exists at upgrade time may hold such credentials, so all of them are marked; lists
made afterwards publish only the `revocation` and `suspension` views. `sponsors.vcapi_status` is
the sponsor's choice to give every credential issued through the VC-API status entries (off: the
caller asks with options.credentialStatus).

Revision ID: 0011
Revises: 0009
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("status_lists") as batch_op:
        batch_op.add_column(sa.Column("legacy_message", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(sa.text("UPDATE status_lists SET legacy_message = :yes").bindparams(yes=True))
    with op.batch_alter_table("sponsors") as batch_op:
        batch_op.add_column(sa.Column("vcapi_status", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("sponsors") as batch_op:
        batch_op.drop_column("vcapi_status")
    with op.batch_alter_table("status_lists") as batch_op:
        batch_op.drop_column("legacy_message")
