"""delivery: claim links, OpenID4VCI offers, tokens and nonces, VC-API exchanges, copies

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('delivery_nonces',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nonce_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('nonce_hash')
    )
    with op.batch_alter_table('delivery_nonces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_nonces_expires_at'), ['expires_at'], unique=False)

    op.create_table('delivery_claim_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('credential_id', sa.String(length=36), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('emailed_to', sa.String(length=320), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['credential_id'], ['credentials.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('delivery_claim_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_claim_links_credential_id'), ['credential_id'], unique=False)

    op.create_table('delivery_copies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('credential_id', sa.String(length=36), nullable=False),
    sa.Column('holder', sa.String(length=2000), nullable=False),
    sa.Column('format', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['credential_id'], ['credentials.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('delivery_copies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_copies_credential_id'), ['credential_id'], unique=False)

    op.create_table('delivery_exchanges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handle_hash', sa.String(length=64), nullable=False),
    sa.Column('credential_id', sa.String(length=36), nullable=False),
    sa.Column('challenge', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('holder', sa.String(length=2000), nullable=True),
    sa.ForeignKeyConstraint(['credential_id'], ['credentials.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('handle_hash')
    )
    with op.batch_alter_table('delivery_exchanges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_exchanges_credential_id'), ['credential_id'], unique=False)

    op.create_table('delivery_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('credential_id', sa.String(length=36), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('tx_code_hash', sa.String(length=64), nullable=True),
    sa.Column('tx_code_length', sa.Integer(), nullable=True),
    sa.Column('tx_code_attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('redeemed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['credential_id'], ['credentials.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code_hash')
    )
    with op.batch_alter_table('delivery_offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_offers_credential_id'), ['credential_id'], unique=False)

    op.create_table('delivery_access_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['delivery_offers.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('delivery_access_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_access_tokens_offer_id'), ['offer_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('delivery_access_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_access_tokens_offer_id'))

    op.drop_table('delivery_access_tokens')
    with op.batch_alter_table('delivery_offers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_offers_credential_id'))

    op.drop_table('delivery_offers')
    with op.batch_alter_table('delivery_exchanges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_exchanges_credential_id'))

    op.drop_table('delivery_exchanges')
    with op.batch_alter_table('delivery_copies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_copies_credential_id'))

    op.drop_table('delivery_copies')
    with op.batch_alter_table('delivery_claim_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_claim_links_credential_id'))

    op.drop_table('delivery_claim_links')
    with op.batch_alter_table('delivery_nonces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_nonces_expires_at'))

    op.drop_table('delivery_nonces')
