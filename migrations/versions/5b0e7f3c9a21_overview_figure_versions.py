"""The cockpit's document cache key: a version per region, bumped whenever its figures are refreshed

Revision ID: 5b0e7f3c9a21
Revises: 5b0e7c3f91a2
Create Date: 2026-12-03 04:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '5b0e7f3c9a21'
down_revision = '5b0e7c3f91a2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'region_figure_versions',
        sa.Column('region_id', sa.Integer(), sa.ForeignKey('regions.id'), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('region_id'),
    )


def downgrade():
    op.drop_table('region_figure_versions')
