"""The state figures kept as they stood when each month closed (a closed month's reports and the
health index's last period read them)

Revision ID: f4b6d8e0a2c1
Revises: c3d9e1f7a2b4
Create Date: 2026-12-03 15:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'f4b6d8e0a2c1'
down_revision = 'c3d9e1f7a2b4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('state_snapshots',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('year', 'month', name=op.f('pk_state_snapshots'))
    )
    op.create_table('region_state_figures',
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('own', sa.Numeric(precision=20, scale=2), nullable=False),
    sa.Column('total', sa.Numeric(precision=20, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_region_state_figures_region_id_regions')),
    sa.PrimaryKeyConstraint('region_id', 'year', 'month', 'name', name=op.f('pk_region_state_figures'))
    )


def downgrade():
    op.drop_table('region_state_figures')
    op.drop_table('state_snapshots')
