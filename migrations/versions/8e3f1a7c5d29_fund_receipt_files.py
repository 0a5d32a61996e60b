"""Funds: the receipt (信息接收回执) as a file — a scan, a photo or the issuing system's PDF

Revision ID: 8e3f1a7c5d29
Revises: 7c2d4e6f8a10
Create Date: 2026-12-03 07:50:00
"""
import sqlalchemy as sa
from alembic import op

from backend.core.models import UtcDateTime

revision = '8e3f1a7c5d29'
down_revision = '7c2d4e6f8a10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'fund_receipt_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('fund_id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('client_uuid', sa.String(length=36), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('bytes', sa.Integer(), nullable=False),
        sa.Column('storage_key', sa.String(length=200), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
        sa.Column('uploaded_at', UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['fund_id'], ['funds.id']),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id']),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('client_uuid'),
    )
    op.create_index('ix_fund_receipt_files_fund_id', 'fund_receipt_files', ['fund_id'])


def downgrade():
    op.drop_index('ix_fund_receipt_files_fund_id', table_name='fund_receipt_files')
    op.drop_table('fund_receipt_files')
