"""delivery: offers, exchanges and copies may be of a version of the apprenticeship record
(record_version_id) rather than of one stored credential; a record offer delivers once
(delivery_offers.delivered_at)

Revision ID: 0020
Revises: 0017
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0017"
branch_labels = None
depends_on = "0019"  # the records branch, which made record_versions

ONE_SUBJECT = "(credential_id IS NULL) <> (record_version_id IS NULL)"
TABLES = ("delivery_offers", "delivery_exchanges", "delivery_copies")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("record_version_id", sa.String(length=36), nullable=True))
            batch_op.alter_column("credential_id", existing_type=sa.String(length=36), nullable=True)
            batch_op.create_index(f"ix_{table}_record_version_id", ["record_version_id"], unique=False)
            batch_op.create_foreign_key(f"fk_{table}_record_version_id", "record_versions", ["record_version_id"],
                                        ["id"])
            if table == "delivery_offers":
                batch_op.add_column(sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True))
            if table == "delivery_copies":
                batch_op.create_check_constraint("ck_delivery_copies_subject",
                                                 "credential_id IS NOT NULL OR record_version_id IS NOT NULL")
            else:
                batch_op.create_check_constraint(f"ck_{table}_one_subject", ONE_SUBJECT)


def downgrade() -> None:
    # The older schema knows only credentials: what was of a record goes (offers and exchanges
    # live minutes; the record copies' audit rows cannot be kept without a credential to name).
    op.execute(sa.text("DELETE FROM delivery_access_tokens WHERE offer_id IN "
                       "(SELECT id FROM delivery_offers WHERE credential_id IS NULL)"))
    for table in TABLES:
        op.execute(sa.text(f"DELETE FROM {table} WHERE credential_id IS NULL"))
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint("ck_delivery_copies_subject" if table == "delivery_copies"
                                     else f"ck_{table}_one_subject", type_="check")
            batch_op.drop_constraint(f"fk_{table}_record_version_id", type_="foreignkey")
            batch_op.drop_index(f"ix_{table}_record_version_id")
            batch_op.alter_column("credential_id", existing_type=sa.String(length=36), nullable=False)
            batch_op.drop_column("record_version_id")
            if table == "delivery_offers":
                batch_op.drop_column("delivered_at")
