"""programs, sponsors, ledger, credentials

Revision ID: 0001
Revises: 
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('framework_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('framework_id', sa.String(length=100), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('framework_id', 'content_hash'),
    sa.UniqueConstraint('framework_id', 'version')
    )
    with op.batch_alter_table('framework_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_framework_versions_framework_id'), ['framework_id'], unique=False)

    op.create_table('program_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.String(length=100), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('program_id', 'content_hash'),
    sa.UniqueConstraint('program_id', 'version')
    )
    with op.batch_alter_table('program_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_program_versions_program_id'), ['program_id'], unique=False)

    op.create_table('sponsors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name'),
    sa.UniqueConstraint('slug')
    )
    op.create_table('status_lists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('next_index', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sponsor_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['sponsor_id'], ['sponsors.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_hash')
    )
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_keys_sponsor_id'), ['sponsor_id'], unique=False)

    op.create_table('apprentices',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('sponsor_id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('did', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['sponsor_id'], ['sponsors.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sponsor_id', 'external_id')
    )
    with op.batch_alter_table('apprentices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_apprentices_sponsor_id'), ['sponsor_id'], unique=False)

    op.create_table('program_frameworks',
    sa.Column('program_version_id', sa.Integer(), nullable=False),
    sa.Column('framework_version_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['framework_version_id'], ['framework_versions.id'], ),
    sa.ForeignKeyConstraint(['program_version_id'], ['program_versions.id'], ),
    sa.PrimaryKeyConstraint('program_version_id', 'framework_version_id')
    )
    op.create_table('sponsor_programs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sponsor_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['sponsor_id'], ['sponsors.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sponsor_id', 'program_id')
    )
    with op.batch_alter_table('sponsor_programs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sponsor_programs_sponsor_id'), ['sponsor_id'], unique=False)

    op.create_table('credentials',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('sponsor_id', sa.Integer(), nullable=False),
    sa.Column('apprentice_id', sa.String(length=36), nullable=False),
    sa.Column('program_version_id', sa.Integer(), nullable=False),
    sa.Column('achievement_key', sa.String(length=200), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('status_list_id', sa.Integer(), nullable=False),
    sa.Column('status_index', sa.Integer(), nullable=False),
    sa.Column('flagged_for_revocation', sa.Boolean(), nullable=False),
    sa.Column('flag_reason', sa.Text(), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['apprentice_id'], ['apprentices.id'], ),
    sa.ForeignKeyConstraint(['program_version_id'], ['program_versions.id'], ),
    sa.ForeignKeyConstraint(['sponsor_id'], ['sponsors.id'], ),
    sa.ForeignKeyConstraint(['status_list_id'], ['status_lists.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('apprentice_id', 'program_version_id', 'achievement_key', name='uq_credential_once'),
    sa.UniqueConstraint('status_list_id', 'status_index', name='uq_status_slot')
    )
    with op.batch_alter_table('credentials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credentials_apprentice_id'), ['apprentice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credentials_sponsor_id'), ['sponsor_id'], unique=False)

    op.create_table('enrollments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('apprentice_id', sa.String(length=36), nullable=False),
    sa.Column('program_id', sa.String(length=100), nullable=False),
    sa.Column('program_version_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('cohort', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['apprentice_id'], ['apprentices.id'], ),
    sa.ForeignKeyConstraint(['program_version_id'], ['program_versions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('apprentice_id', 'program_id')
    )
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrollments_apprentice_id'), ['apprentice_id'], unique=False)

    op.create_table('ledger_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('entry_type', sa.String(length=20), nullable=False),
    sa.Column('item', sa.String(length=100), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=False),
    sa.Column('entry_date', sa.Date(), nullable=False),
    sa.Column('signed_off_by', sa.String(length=200), nullable=True),
    sa.Column('recorded_by', sa.String(length=200), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('corrects', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['corrects'], ['ledger_entries.id'], ),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('enrollment_id', 'fingerprint')
    )
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_entries_enrollment_id'), ['enrollment_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_entries_enrollment_id'))

    op.drop_table('ledger_entries')
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrollments_apprentice_id'))

    op.drop_table('enrollments')
    with op.batch_alter_table('credentials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credentials_sponsor_id'))
        batch_op.drop_index(batch_op.f('ix_credentials_apprentice_id'))

    op.drop_table('credentials')
    with op.batch_alter_table('sponsor_programs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sponsor_programs_sponsor_id'))

    op.drop_table('sponsor_programs')
    op.drop_table('program_frameworks')
    with op.batch_alter_table('apprentices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_apprentices_sponsor_id'))

    op.drop_table('apprentices')
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_keys_sponsor_id'))

    op.drop_table('api_keys')
    op.drop_table('status_lists')
    op.drop_table('sponsors')
    with op.batch_alter_table('program_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_program_versions_program_id'))

    op.drop_table('program_versions')
    with op.batch_alter_table('framework_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_framework_versions_framework_id'))

    op.drop_table('framework_versions')
