"""objections a villager sends from the village's page (一村一码): who raised it (staff or villager),
the villager's receipt number, their blinded address for the rate limit; created_by empty for theirs

Revision ID: f4b2c8d1e6a9
Revises: f4a8c2d6e1b3
Create Date: 2026-12-03 14:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f4b2c8d1e6a9'
down_revision = 'f4a8c2d6e1b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('subsidy_objections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=10), server_default='staff', nullable=False))
        batch_op.add_column(sa.Column('receipt', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('ip_hash', sa.String(length=64), nullable=True))
        batch_op.alter_column('created_by_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_subsidy_objections_receipt'), ['receipt'])
        batch_op.create_index('ix_subsidy_objections_ip_at', ['ip_hash', 'created_at'], unique=False)


def downgrade():
    op.execute("DELETE FROM subsidy_objections WHERE created_by_id IS NULL")
    with op.batch_alter_table('subsidy_objections', schema=None) as batch_op:
        batch_op.drop_index('ix_subsidy_objections_ip_at')
        batch_op.drop_constraint(batch_op.f('uq_subsidy_objections_receipt'), type_='unique')
        batch_op.alter_column('created_by_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('ip_hash')
        batch_op.drop_column('receipt')
        batch_op.drop_column('source')
