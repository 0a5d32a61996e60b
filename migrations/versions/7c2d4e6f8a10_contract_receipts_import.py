"""Contract receipts as an import kind: each receipt remembers the run that brought it in

Revision ID: 7c2d4e6f8a10
Revises: 5b0e7f3c9a21
Create Date: 2026-12-03 05:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '7c2d4e6f8a10'
down_revision = '5b0e7f3c9a21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contract_receipts') as batch:
        batch.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))
        batch.create_index('ix_contract_receipts_batch_id', ['batch_id'])


def downgrade():
    with op.batch_alter_table('contract_receipts') as batch:
        batch.drop_index('ix_contract_receipts_batch_id')
        batch.drop_column('batch_id')
