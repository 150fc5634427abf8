"""portal: staff accounts, assignments, sessions, sign-in tokens, login attempts, audit log

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0001'
branch_labels = None
depends_on = None

APPEND_ONLY = "the audit log is append-only"


def upgrade() -> None:
    op.create_table('portal_login_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('account', sa.String(length=320), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('portal_login_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_login_attempts_account'), ['account'], unique=False)
        batch_op.create_index(batch_op.f('ix_portal_login_attempts_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_portal_login_attempts_ip'), ['ip'], unique=False)

    op.create_table('portal_audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sponsor_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=400), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.ForeignKeyConstraint(['sponsor_id'], ['sponsors.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('portal_audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_audit_events_sponsor_id'), ['sponsor_id'], unique=False)
    # The database itself refuses to change or remove an audit row, whatever code runs.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""CREATE FUNCTION portal_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                       BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$""")
        op.execute("""CREATE TRIGGER portal_audit_events_append_only BEFORE UPDATE OR DELETE ON portal_audit_events
                      FOR EACH ROW EXECUTE FUNCTION portal_audit_append_only()""")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER portal_audit_events_no_{verb.lower()} BEFORE {verb} ON portal_audit_events
                           BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""")

    op.create_table('portal_staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sponsor_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('totp_secret', sa.String(length=64), nullable=True),
    sa.Column('totp_pending_secret', sa.String(length=64), nullable=True),
    sa.Column('totp_last_step', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['sponsor_id'], ['sponsors.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email')
    )
    with op.batch_alter_table('portal_staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_staff_sponsor_id'), ['sponsor_id'], unique=False)

    op.create_table('portal_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sponsor_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('apprentice_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['apprentice_id'], ['apprentices.id'], ),
    sa.ForeignKeyConstraint(['sponsor_id'], ['sponsors.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['portal_staff.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('staff_id', 'apprentice_id')
    )
    with op.batch_alter_table('portal_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_assignments_apprentice_id'), ['apprentice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_portal_assignments_sponsor_id'), ['sponsor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_portal_assignments_staff_id'), ['staff_id'], unique=False)

    op.create_table('portal_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('sponsor_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('apprentice_id', sa.String(length=36), nullable=True),
    sa.Column('second_factor_pending', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['apprentice_id'], ['apprentices.id'], ),
    sa.ForeignKeyConstraint(['sponsor_id'], ['sponsors.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['portal_staff.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('portal_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_sessions_sponsor_id'), ['sponsor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_portal_sessions_staff_id'), ['staff_id'], unique=False)

    op.create_table('portal_sign_in_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('apprentice_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['apprentice_id'], ['apprentices.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['portal_staff.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )


def downgrade() -> None:
    op.drop_table('portal_sign_in_tokens')
    with op.batch_alter_table('portal_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_sessions_staff_id'))
        batch_op.drop_index(batch_op.f('ix_portal_sessions_sponsor_id'))
    op.drop_table('portal_sessions')
    with op.batch_alter_table('portal_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_assignments_staff_id'))
        batch_op.drop_index(batch_op.f('ix_portal_assignments_sponsor_id'))
        batch_op.drop_index(batch_op.f('ix_portal_assignments_apprentice_id'))
    op.drop_table('portal_assignments')
    with op.batch_alter_table('portal_staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_staff_sponsor_id'))
    op.drop_table('portal_staff')
    # Dropping the table drops its triggers on both databases; the function is PostgreSQL's own.
    op.drop_table('portal_audit_events')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION portal_audit_append_only()")
    with op.batch_alter_table('portal_login_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_login_attempts_ip'))
        batch_op.drop_index(batch_op.f('ix_portal_login_attempts_created_at'))
        batch_op.drop_index(batch_op.f('ix_portal_login_attempts_account'))
    op.drop_table('portal_login_attempts')
