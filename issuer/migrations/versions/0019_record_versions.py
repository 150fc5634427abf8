"""issuance: record_versions, the signed versions of each enrolment's apprenticeship record
(CLR 2.0). Existing enrolments get their first version lazily (on first read) or from `ler
records refresh`.

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa

revision = "0019"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_versions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("apprentice_id", sa.String(length=36), nullable=False),
        sa.Column("sponsor_id", sa.Integer(), nullable=False),
        sa.Column("program_version_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("credential_ids", sa.JSON(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["enrollment_id"], ["enrollments.id"]),
        sa.ForeignKeyConstraint(["apprentice_id"], ["apprentices.id"]),
        sa.ForeignKeyConstraint(["sponsor_id"], ["sponsors.id"]),
        sa.ForeignKeyConstraint(["program_version_id"], ["program_versions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("enrollment_id", "version", name="uq_record_version"),
    )
    with op.batch_alter_table("record_versions") as batch_op:
        batch_op.create_index("ix_record_versions_enrollment_id", ["enrollment_id"])
        batch_op.create_index("ix_record_versions_apprentice_id", ["apprentice_id"])
        batch_op.create_index("ix_record_versions_sponsor_id", ["sponsor_id"])


def downgrade() -> None:
    with op.batch_alter_table("record_versions") as batch_op:
        batch_op.drop_index("ix_record_versions_sponsor_id")
        batch_op.drop_index("ix_record_versions_apprentice_id")
        batch_op.drop_index("ix_record_versions_enrollment_id")
    op.drop_table("record_versions")
