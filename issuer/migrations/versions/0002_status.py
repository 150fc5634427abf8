"""status: slots' revocation and suspension, their audit trail, signed status list documents

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('status_entries',
    sa.Column('status_list_id', sa.Integer(), nullable=False),
    sa.Column('status_index', sa.Integer(), nullable=False),
    sa.Column('sponsor_id', sa.Integer(), nullable=False),
    sa.Column('credential_id', sa.String(length=500), nullable=True),
    sa.Column('document', sa.JSON(), nullable=True),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.Column('suspended', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['sponsor_id'], ['sponsors.id'], ),
    sa.ForeignKeyConstraint(['status_list_id'], ['status_lists.id'], ),
    sa.PrimaryKeyConstraint('status_list_id', 'status_index')
    )
    with op.batch_alter_table('status_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_status_entries_credential_id'), ['credential_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_status_entries_sponsor_id'), ['sponsor_id'], unique=False)

    op.create_table('status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status_list_id', sa.Integer(), nullable=False),
    sa.Column('status_index', sa.Integer(), nullable=False),
    sa.Column('sponsor_id', sa.Integer(), nullable=False),
    sa.Column('credential_id', sa.String(length=500), nullable=True),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['sponsor_id'], ['sponsors.id'], ),
    sa.ForeignKeyConstraint(['status_list_id'], ['status_lists.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_status_changes_credential_id'), ['credential_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_status_changes_sponsor_id'), ['sponsor_id'], unique=False)

    op.create_table('status_list_documents',
    sa.Column('status_list_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('etag', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['status_list_id'], ['status_lists.id'], ),
    sa.PrimaryKeyConstraint('status_list_id', 'purpose')
    )


def downgrade() -> None:
    op.drop_table('status_list_documents')
    with op.batch_alter_table('status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_status_changes_sponsor_id'))
        batch_op.drop_index(batch_op.f('ix_status_changes_credential_id'))
    op.drop_table('status_changes')
    with op.batch_alter_table('status_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_status_entries_sponsor_id'))
        batch_op.drop_index(batch_op.f('ix_status_entries_credential_id'))
    op.drop_table('status_entries')
