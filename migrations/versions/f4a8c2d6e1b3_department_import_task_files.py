"""Departments from a file (the import engine's kind ``departments``) and files on a task's feedback

departments and department_policies remember the import run that wrote them last (batch_id);
department_policy_imports keeps who owned a policy before a run, so withdrawing the run puts it back;
department_task_files holds the photos and PDFs a department attaches to its feedback (反馈).

Revision ID: f4a8c2d6e1b3
Revises: f4b6d8e0a2c1
Create Date: 2026-12-03 14:40:00
"""
import sqlalchemy as sa
from alembic import op

from backend.core.models import UtcDateTime

revision = 'f4a8c2d6e1b3'
down_revision = 'f4b6d8e0a2c1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('departments') as batch_op:
        batch_op.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_departments_batch_id', ['batch_id'])
    with op.batch_alter_table('department_policies') as batch_op:
        batch_op.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))
    op.create_table(
        'department_policy_imports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('import_id', sa.Integer(), nullable=False),
        sa.Column('policy_id', sa.Integer(), nullable=False),
        sa.Column('existed', sa.Boolean(), nullable=False),
        sa.Column('before_department_id', sa.Integer(), nullable=True),
        sa.Column('before_batch_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['import_id'], ['import_runs.id']),
        sa.ForeignKeyConstraint(['policy_id'], ['subsidy_policies.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_department_policy_imports_import_id', 'department_policy_imports', ['import_id'])
    op.create_table(
        'department_task_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('step_id', sa.Integer(), nullable=True),
        sa.Column('client_uuid', sa.String(length=36), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('bytes', sa.Integer(), nullable=False),
        sa.Column('storage_key', sa.String(length=200), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
        sa.Column('uploaded_at', UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['task_id'], ['department_tasks.id']),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id']),
        sa.ForeignKeyConstraint(['step_id'], ['department_task_steps.id']),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('client_uuid'),
    )
    op.create_index('ix_department_task_files_task_id', 'department_task_files', ['task_id'])


def downgrade():
    op.drop_index('ix_department_task_files_task_id', table_name='department_task_files')
    op.drop_table('department_task_files')
    op.drop_index('ix_department_policy_imports_import_id', table_name='department_policy_imports')
    op.drop_table('department_policy_imports')
    with op.batch_alter_table('department_policies') as batch_op:
        batch_op.drop_column('batch_id')
    with op.batch_alter_table('departments') as batch_op:
        batch_op.drop_index('ix_departments_batch_id')
        batch_op.drop_column('batch_id')
