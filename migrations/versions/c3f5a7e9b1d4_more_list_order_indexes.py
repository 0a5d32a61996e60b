"""Lists paged by key: an index in the own order of the lists whose screens now page by key too —
funds (newest issue first), the inbox (a user's newest first), department tasks (nearest deadline
first), and the 三资 registers (contracts by end date; assets and resources by village then newest
first, now both read downwards — was village up, newest first: mixed directions are no one index
seek — so a plain index read backwards serves them). Users page by their primary key.

Revision ID: c3f5a7e9b1d4
Revises: e4b6d8f0a2c1
Create Date: 2026-12-04 04:00:00
"""
from alembic import op

revision = 'c3f5a7e9b1d4'
down_revision = 'e4b6d8f0a2c1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_funds_list', 'funds', ['issued_on', 'id'])
    op.create_index('ix_notifications_user_list', 'notifications', ['user_id', 'id'])
    op.create_index('ix_department_tasks_list', 'department_tasks', ['due_on', 'id'])
    op.create_index('ix_assets_list', 'assets', ['region_id', 'id'])
    op.create_index('ix_resources_list', 'resources', ['region_id', 'id'])
    op.create_index('ix_resource_contracts_list', 'resource_contracts', ['ends_on', 'id'])


def downgrade():
    op.drop_index('ix_resource_contracts_list', table_name='resource_contracts')
    op.drop_index('ix_resources_list', table_name='resources')
    op.drop_index('ix_assets_list', table_name='assets')
    op.drop_index('ix_department_tasks_list', table_name='department_tasks')
    op.drop_index('ix_notifications_user_list', table_name='notifications')
    op.drop_index('ix_funds_list', table_name='funds')
