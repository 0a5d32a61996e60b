"""Lists paged by key: an index in each long list's own order (projects, payments, inspections)

Revision ID: 5a7c3e9b1d20
Revises: 8d41c7a2e5f0
Create Date: 2026-12-03 04:30:00
"""
from alembic import op

revision = '5a7c3e9b1d20'
down_revision = '8d41c7a2e5f0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_projects_list', 'projects', ['updated_at', 'id'])
    op.create_index('ix_disbursements_list', 'disbursements', ['period', 'id'])
    op.create_index('ix_inspections_list', 'inspections', ['created_at', 'id'])


def downgrade():
    op.drop_index('ix_inspections_list', table_name='inspections')
    op.drop_index('ix_disbursements_list', table_name='disbursements')
    op.drop_index('ix_projects_list', table_name='projects')
