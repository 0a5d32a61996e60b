"""三方对账: the reconciliation's differences kept as findings, for the cockpit and the reports

Revision ID: c3d9e1f7a2b4
Revises: 0b841aa046e3
Create Date: 2026-12-03 11:00:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'c3d9e1f7a2b4'
down_revision = '0b841aa046e3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reconciliation_differences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('beneficiary_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('notice_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('paid_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('batch_no', sa.String(length=12), nullable=True),
    sa.Column('seq', sa.Integer(), nullable=True),
    sa.Column('found_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['beneficiary_id'], ['beneficiaries.id'], name=op.f('fk_reconciliation_differences_beneficiary_id_beneficiaries')),
    sa.ForeignKeyConstraint(['policy_id'], ['subsidy_policies.id'], name=op.f('fk_reconciliation_differences_policy_id_subsidy_policies')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_reconciliation_differences_region_id_regions')),
    sa.ForeignKeyConstraint(['township_id'], ['regions.id'], name=op.f('fk_reconciliation_differences_township_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation_differences'))
    )
    with op.batch_alter_table('reconciliation_differences', schema=None) as batch_op:
        batch_op.create_index('ix_reconciliation_differences_key', ['township_id', 'policy_id', 'period'], unique=False)
        batch_op.create_index(batch_op.f('ix_reconciliation_differences_region_id'), ['region_id'], unique=False)


def downgrade():
    with op.batch_alter_table('reconciliation_differences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconciliation_differences_region_id'))
        batch_op.drop_index('ix_reconciliation_differences_key')
    op.drop_table('reconciliation_differences')
