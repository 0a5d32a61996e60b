"""三资: the village collectives' assets (with status history and maintaining projects), resources,
resource contracts with their receivable schedules and receipts

Revision ID: 1f4f6491ab64
Revises: 5b8d2e7f1a93
Create Date: 2026-12-02 18:15:42

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1f4f6491ab64'
down_revision = '5b8d2e7f1a93'
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('resources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('resource_no', sa.String(length=40), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('area', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_resources_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resources')),
    sa.UniqueConstraint('region_id', 'resource_no', name=op.f('uq_resources_region_id'))
    )
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resources_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_resources_region_id'), ['region_id'], unique=False)
        batch_op.create_index('ix_resources_region_name', ['region_id', 'name'], unique=False)

    op.create_table('assets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('asset_no', sa.String(length=40), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('category', sa.String(length=8), nullable=False),
    sa.Column('original_value', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('net_value', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('status_changed_on', sa.Date(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('acquired_on', sa.Date(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_assets_project_id_projects')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_assets_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assets')),
    sa.UniqueConstraint('region_id', 'asset_no', name=op.f('uq_assets_region_id'))
    )
    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assets_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assets_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assets_region_id'), ['region_id'], unique=False)
        batch_op.create_index('ix_assets_region_name', ['region_id', 'name'], unique=False)

    op.create_table('asset_projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['asset_id'], ['assets.id'], name=op.f('fk_asset_projects_asset_id_assets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_asset_projects_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asset_projects')),
    sa.UniqueConstraint('asset_id', 'project_id', name=op.f('uq_asset_projects_asset_id'))
    )
    with op.batch_alter_table('asset_projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_asset_projects_asset_id'), ['asset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_asset_projects_project_id'), ['project_id'], unique=False)

    op.create_table('asset_status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=8), nullable=True),
    sa.Column('to_status', sa.String(length=8), nullable=False),
    sa.Column('changed_on', sa.Date(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_asset_status_changes_actor_id_users')),
    sa.ForeignKeyConstraint(['asset_id'], ['assets.id'], name=op.f('fk_asset_status_changes_asset_id_assets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asset_status_changes'))
    )
    with op.batch_alter_table('asset_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_asset_status_changes_asset_id'), ['asset_id'], unique=False)

    op.create_table('resource_contracts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('contract_no', sa.String(length=40), nullable=True),
    sa.Column('kind', sa.String(length=4), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=True),
    sa.Column('asset_id', sa.Integer(), nullable=True),
    sa.Column('counterparty', sa.String(length=120), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('annual_amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('floor_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(resource_id IS NULL) <> (asset_id IS NULL)', name=op.f('ck_resource_contracts_one_subject')),
    sa.ForeignKeyConstraint(['asset_id'], ['assets.id'], name=op.f('fk_resource_contracts_asset_id_assets')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_resource_contracts_region_id_regions')),
    sa.ForeignKeyConstraint(['resource_id'], ['resources.id'], name=op.f('fk_resource_contracts_resource_id_resources')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_contracts')),
    sa.UniqueConstraint('region_id', 'contract_no', name=op.f('uq_resource_contracts_region_id'))
    )
    with op.batch_alter_table('resource_contracts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resource_contracts_asset_id'), ['asset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_resource_contracts_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_resource_contracts_region_id'), ['region_id'], unique=False)
        batch_op.create_index('ix_resource_contracts_region_status', ['region_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_resource_contracts_resource_id'), ['resource_id'], unique=False)

    op.create_table('contract_receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('voucher_no', sa.String(length=40), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['resource_contracts.id'], name=op.f('fk_contract_receipts_contract_id_resource_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_contract_receipts_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_receipts')),
    sa.UniqueConstraint('contract_id', 'voucher_no', name=op.f('uq_contract_receipts_contract_id'))
    )
    with op.batch_alter_table('contract_receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_receipts_contract_id'), ['contract_id'], unique=False)

    op.create_table('contract_receivables',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['resource_contracts.id'], name=op.f('fk_contract_receivables_contract_id_resource_contracts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_receivables')),
    sa.UniqueConstraint('contract_id', 'due_on', name=op.f('uq_contract_receivables_contract_id'))
    )
    with op.batch_alter_table('contract_receivables', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_receivables_contract_id'), ['contract_id'], unique=False)




def downgrade():
    
    with op.batch_alter_table('contract_receivables', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_receivables_contract_id'))

    op.drop_table('contract_receivables')
    with op.batch_alter_table('contract_receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_receipts_contract_id'))

    op.drop_table('contract_receipts')
    with op.batch_alter_table('resource_contracts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resource_contracts_resource_id'))
        batch_op.drop_index('ix_resource_contracts_region_status')
        batch_op.drop_index(batch_op.f('ix_resource_contracts_region_id'))
        batch_op.drop_index(batch_op.f('ix_resource_contracts_batch_id'))
        batch_op.drop_index(batch_op.f('ix_resource_contracts_asset_id'))

    op.drop_table('resource_contracts')
    with op.batch_alter_table('asset_status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_asset_status_changes_asset_id'))

    op.drop_table('asset_status_changes')
    with op.batch_alter_table('asset_projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_asset_projects_project_id'))
        batch_op.drop_index(batch_op.f('ix_asset_projects_asset_id'))

    op.drop_table('asset_projects')
    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.drop_index('ix_assets_region_name')
        batch_op.drop_index(batch_op.f('ix_assets_region_id'))
        batch_op.drop_index(batch_op.f('ix_assets_project_id'))
        batch_op.drop_index(batch_op.f('ix_assets_batch_id'))

    op.drop_table('assets')
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.drop_index('ix_resources_region_name')
        batch_op.drop_index(batch_op.f('ix_resources_region_id'))
        batch_op.drop_index(batch_op.f('ix_resources_batch_id'))

    op.drop_table('resources')

