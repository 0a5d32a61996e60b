"""funds: budget lines (指标) of a township, their allocations to projects, subsidy policies and the
township's own spending, and the expenditures against them

Revision ID: c6bff1bc4381
Revises: b4d2e8f1a7c3
Create Date: 2026-12-02 18:13:22.468690

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c6bff1bc4381'
down_revision = 'b4d2e8f1a7c3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('funds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('doc_no', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('source_level', sa.String(length=10), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('arrived_on', sa.Date(), nullable=True),
    sa.Column('receipt_no', sa.String(length=60), nullable=True),
    sa.Column('registered_by_id', sa.Integer(), nullable=True),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_funds_created_by_id_users')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_funds_region_id_regions')),
    sa.ForeignKeyConstraint(['registered_by_id'], ['users.id'], name=op.f('fk_funds_registered_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funds')),
    sa.UniqueConstraint('region_id', 'doc_no', 'name', name='uq_funds_region_doc_name')
    )
    with op.batch_alter_table('funds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funds_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index('ix_funds_region_issued', ['region_id', 'issued_on'], unique=False)

    op.create_table('fund_allocations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=10), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('policy_id', sa.Integer(), nullable=True),
    sa.Column('purpose', sa.String(length=200), nullable=True),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('allocated_on', sa.Date(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_fund_allocations_created_by_id_users')),
    sa.ForeignKeyConstraint(['fund_id'], ['funds.id'], name=op.f('fk_fund_allocations_fund_id_funds')),
    sa.ForeignKeyConstraint(['policy_id'], ['subsidy_policies.id'], name=op.f('fk_fund_allocations_policy_id_subsidy_policies')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_fund_allocations_project_id_projects')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_fund_allocations_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_allocations'))
    )
    with op.batch_alter_table('fund_allocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_allocations_fund_id'), ['fund_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fund_allocations_policy_id'), ['policy_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fund_allocations_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fund_allocations_region_id'), ['region_id'], unique=False)

    op.create_table('fund_expenditures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('allocation_id', sa.Integer(), nullable=True),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('spent_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('payee', sa.String(length=120), nullable=False),
    sa.Column('voucher_no', sa.String(length=40), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['allocation_id'], ['fund_allocations.id'], name=op.f('fk_fund_expenditures_allocation_id_fund_allocations')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_fund_expenditures_created_by_id_users')),
    sa.ForeignKeyConstraint(['fund_id'], ['funds.id'], name=op.f('fk_fund_expenditures_fund_id_funds')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_fund_expenditures_project_id_projects')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_fund_expenditures_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_expenditures')),
    sa.UniqueConstraint('fund_id', 'voucher_no', name='uq_fund_expenditures_fund_voucher')
    )
    with op.batch_alter_table('fund_expenditures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_expenditures_allocation_id'), ['allocation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fund_expenditures_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fund_expenditures_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fund_expenditures_region_id'), ['region_id'], unique=False)



def downgrade():
    with op.batch_alter_table('fund_expenditures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fund_expenditures_region_id'))
        batch_op.drop_index(batch_op.f('ix_fund_expenditures_project_id'))
        batch_op.drop_index(batch_op.f('ix_fund_expenditures_batch_id'))
        batch_op.drop_index(batch_op.f('ix_fund_expenditures_allocation_id'))

    op.drop_table('fund_expenditures')
    with op.batch_alter_table('fund_allocations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fund_allocations_region_id'))
        batch_op.drop_index(batch_op.f('ix_fund_allocations_project_id'))
        batch_op.drop_index(batch_op.f('ix_fund_allocations_policy_id'))
        batch_op.drop_index(batch_op.f('ix_fund_allocations_fund_id'))

    op.drop_table('fund_allocations')
    with op.batch_alter_table('funds', schema=None) as batch_op:
        batch_op.drop_index('ix_funds_region_issued')
        batch_op.drop_index(batch_op.f('ix_funds_batch_id'))

    op.drop_table('funds')
