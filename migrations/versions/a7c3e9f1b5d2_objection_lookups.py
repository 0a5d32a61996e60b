"""a villager's look-ups of an objection by its receipt number: the blinded address, when, and
whether the number was found, for the per-visitor limit on wrong receipt numbers

Revision ID: a7c3e9f1b5d2
Revises: f4b2c8d1e6a9
Create Date: 2026-12-03 18:10:00

"""
from alembic import op
import sqlalchemy as sa

from backend.core.models import UtcDateTime


# revision identifiers, used by Alembic.
revision = 'a7c3e9f1b5d2'
down_revision = 'f4b2c8d1e6a9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'objection_lookups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ip_hash', sa.String(length=64), nullable=False),
        sa.Column('at', UtcDateTime(timezone=True), nullable=False),
        sa.Column('found', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_objection_lookups')))
    with op.batch_alter_table('objection_lookups', schema=None) as batch_op:
        batch_op.create_index('ix_objection_lookups_ip_at', ['ip_hash', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('objection_lookups', schema=None) as batch_op:
        batch_op.drop_index('ix_objection_lookups_ip_at')
    op.drop_table('objection_lookups')
