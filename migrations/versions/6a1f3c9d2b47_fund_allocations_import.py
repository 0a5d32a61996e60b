"""fund allocations from a file: the import run that wrote an allocation last (batch_id), so that an
allocations file is idempotent and can be withdrawn like the other kinds

Revision ID: 6a1f3c9d2b47
Revises: 5a7c3e9b1d20
Create Date: 2026-12-03 04:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '6a1f3c9d2b47'
down_revision = '5a7c3e9b1d20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('fund_allocations') as batch:
        batch.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))
        batch.create_index('ix_fund_allocations_batch_id', ['batch_id'])


def downgrade():
    with op.batch_alter_table('fund_allocations') as batch:
        batch.drop_index('ix_fund_allocations_batch_id')
        batch.drop_column('batch_id')
