"""Oversight: a red warning remembers when the county was told; the daily digests sent

Revision ID: 5b0e7c3f91a2
Revises: 6a1f3c9d2b47
Create Date: 2026-12-03 04:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '5b0e7c3f91a2'
down_revision = '6a1f3c9d2b47'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('risk_warnings') as batch:
        batch.add_column(sa.Column('county_told_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'digests',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('region_id', sa.Integer(), sa.ForeignKey('regions.id'), nullable=False),
        sa.Column('body', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('user_id', 'day', name='uq_digests_user_day'),
    )


def downgrade():
    op.drop_table('digests')
    with op.batch_alter_table('risk_warnings') as batch:
        batch.drop_column('county_told_at')
