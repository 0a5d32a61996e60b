"""The report library (一屏智报): every generated report file with its cut-off and rows hash

Revision ID: e8a3c5f1b7d2
Revises: 8e3f1a7c5d29
Create Date: 2026-12-03 07:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'e8a3c5f1b7d2'
down_revision = '8e3f1a7c5d29'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('period', sa.String(length=10), nullable=False),
        sa.Column('format', sa.String(length=4), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('cut_off_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('rows_sha256', sa.String(length=64), nullable=True),
        sa.Column('template_version', sa.String(length=20), nullable=True),
        sa.Column('file_key', sa.String(length=200), nullable=True),
        sa.Column('file_sha256', sa.String(length=64), nullable=True),
        sa.Column('size', sa.Integer(), nullable=True),
        sa.Column('totals', sa.JSON(), nullable=True),
        sa.Column('scheduled', sa.Boolean(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('error', sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('region_id', 'kind', 'period', 'format', 'version'),
    )
    op.create_index('ix_reports_region_id', 'reports', ['region_id'])
    op.create_index('ix_reports_region_period', 'reports', ['region_id', 'period', 'id'])


def downgrade():
    op.drop_index('ix_reports_region_period', table_name='reports')
    op.drop_index('ix_reports_region_id', table_name='reports')
    op.drop_table('reports')
