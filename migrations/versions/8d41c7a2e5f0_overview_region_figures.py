"""The cockpit's summary table: figures per region, period and name (本级 and 辖区)

Revision ID: 8d41c7a2e5f0
Revises: 3e936deb4feb
Create Date: 2026-12-02 23:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '8d41c7a2e5f0'
down_revision = '3e936deb4feb'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'region_figures',
        sa.Column('region_id', sa.Integer(), sa.ForeignKey('regions.id'), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('month', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('own', sa.Numeric(20, 2), nullable=False),
        sa.Column('total', sa.Numeric(20, 2), nullable=False),
        sa.PrimaryKeyConstraint('region_id', 'year', 'month', 'name'),
    )


def downgrade():
    op.drop_table('region_figures')
