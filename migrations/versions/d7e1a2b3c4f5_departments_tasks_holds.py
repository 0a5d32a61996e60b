"""departments (with the policies they own), department users, the tasks routed to them with their
steps, and the holds (停发) and recoveries (追回) on subsidy warnings

Revision ID: d7e1a2b3c4f5
Revises: 9e3b5d7a1c42
Create Date: 2026-12-03 07:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'd7e1a2b3c4f5'
down_revision = '9e3b5d7a1c42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('departments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('code', sa.String(length=30), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_departments_region_id_regions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_departments')),
        sa.UniqueConstraint('code', name=op.f('uq_departments_code')),
        sa.UniqueConstraint('region_id', 'name', name=op.f('uq_departments_region_id'))
    )
    op.create_index(op.f('ix_departments_region_id'), 'departments', ['region_id'], unique=False)
    op.create_table('department_policies',
        sa.Column('policy_id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('set_by_id', sa.Integer(), nullable=True),
        sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_department_policies_department_id_departments')),
        sa.ForeignKeyConstraint(['policy_id'], ['subsidy_policies.id'], name=op.f('fk_department_policies_policy_id_subsidy_policies')),
        sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], name=op.f('fk_department_policies_set_by_id_users')),
        sa.PrimaryKeyConstraint('policy_id', name=op.f('pk_department_policies'))
    )
    op.create_index(op.f('ix_department_policies_department_id'), 'department_policies', ['department_id'], unique=False)
    op.create_table('department_tasks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('subject_kind', sa.String(length=40), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=True),
        sa.Column('title_zh', sa.String(length=200), nullable=False),
        sa.Column('title_en', sa.String(length=200), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('dispatched_by_id', sa.Integer(), nullable=True),
        sa.Column('feedback', sa.Text(), nullable=True),
        sa.Column('attachment_id', sa.Integer(), nullable=True),
        sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_department_tasks_department_id_departments')),
        sa.ForeignKeyConstraint(['dispatched_by_id'], ['users.id'], name=op.f('fk_department_tasks_dispatched_by_id_users')),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_department_tasks_region_id_regions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_department_tasks'))
    )
    op.create_index(op.f('ix_department_tasks_region_id'), 'department_tasks', ['region_id'], unique=False)
    op.create_index(op.f('ix_department_tasks_department_id'), 'department_tasks', ['department_id'], unique=False)
    op.create_index('ix_department_tasks_status_due', 'department_tasks', ['status', 'due_on'], unique=False)
    op.create_index('ix_department_tasks_subject', 'department_tasks', ['subject_kind', 'subject_id'], unique=False)
    op.create_table('department_task_steps',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('from_status', sa.String(length=12), nullable=True),
        sa.Column('to_status', sa.String(length=12), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_department_task_steps_actor_id_users')),
        sa.ForeignKeyConstraint(['task_id'], ['department_tasks.id'], name=op.f('fk_department_task_steps_task_id_department_tasks')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_department_task_steps'))
    )
    op.create_index(op.f('ix_department_task_steps_task_id'), 'department_task_steps', ['task_id'], unique=False)
    op.create_table('payment_holds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('beneficiary_id', sa.Integer(), nullable=False),
        sa.Column('policy_id', sa.Integer(), nullable=False),
        sa.Column('warning_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('held_by_id', sa.Integer(), nullable=False),
        sa.Column('held_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('justification', sa.String(length=500), nullable=True),
        sa.Column('justified_by_id', sa.Integer(), nullable=True),
        sa.Column('justified_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('released_by_id', sa.Integer(), nullable=True),
        sa.Column('release_reason', sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(['beneficiary_id'], ['beneficiaries.id'], name=op.f('fk_payment_holds_beneficiary_id_beneficiaries')),
        sa.ForeignKeyConstraint(['held_by_id'], ['users.id'], name=op.f('fk_payment_holds_held_by_id_users')),
        sa.ForeignKeyConstraint(['justified_by_id'], ['users.id'], name=op.f('fk_payment_holds_justified_by_id_users')),
        sa.ForeignKeyConstraint(['policy_id'], ['subsidy_policies.id'], name=op.f('fk_payment_holds_policy_id_subsidy_policies')),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_payment_holds_region_id_regions')),
        sa.ForeignKeyConstraint(['released_by_id'], ['users.id'], name=op.f('fk_payment_holds_released_by_id_users')),
        sa.ForeignKeyConstraint(['warning_id'], ['risk_warnings.id'], name=op.f('fk_payment_holds_warning_id_risk_warnings')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_holds'))
    )
    op.create_index(op.f('ix_payment_holds_region_id'), 'payment_holds', ['region_id'], unique=False)
    op.create_index(op.f('ix_payment_holds_beneficiary_id'), 'payment_holds', ['beneficiary_id'], unique=False)
    op.create_index(op.f('ix_payment_holds_warning_id'), 'payment_holds', ['warning_id'], unique=False)
    op.create_index('uq_payment_holds_live', 'payment_holds', ['beneficiary_id', 'policy_id'], unique=True,
                    postgresql_where=sa.text('released_at IS NULL'), sqlite_where=sa.text('released_at IS NULL'))
    op.create_table('payment_recoveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('beneficiary_id', sa.Integer(), nullable=False),
        sa.Column('policy_id', sa.Integer(), nullable=True),
        sa.Column('warning_id', sa.Integer(), nullable=True),
        sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column('recovered_on', sa.Date(), nullable=False),
        sa.Column('receipt_no', sa.String(length=60), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['beneficiary_id'], ['beneficiaries.id'], name=op.f('fk_payment_recoveries_beneficiary_id_beneficiaries')),
        sa.ForeignKeyConstraint(['policy_id'], ['subsidy_policies.id'], name=op.f('fk_payment_recoveries_policy_id_subsidy_policies')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_payment_recoveries_recorded_by_id_users')),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_payment_recoveries_region_id_regions')),
        sa.ForeignKeyConstraint(['warning_id'], ['risk_warnings.id'], name=op.f('fk_payment_recoveries_warning_id_risk_warnings')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_recoveries'))
    )
    op.create_index(op.f('ix_payment_recoveries_region_id'), 'payment_recoveries', ['region_id'], unique=False)
    op.create_index(op.f('ix_payment_recoveries_beneficiary_id'), 'payment_recoveries', ['beneficiary_id'], unique=False)
    op.create_index(op.f('ix_payment_recoveries_warning_id'), 'payment_recoveries', ['warning_id'], unique=False)
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('department_id', sa.Integer(), nullable=True))
        batch.create_index('ix_users_department_id', ['department_id'])
        batch.create_foreign_key('fk_users_department_id_departments', 'departments', ['department_id'], ['id'])


def downgrade():
    with op.batch_alter_table('users') as batch:
        batch.drop_constraint('fk_users_department_id_departments', type_='foreignkey')
        batch.drop_index('ix_users_department_id')
        batch.drop_column('department_id')
    op.drop_table('payment_recoveries')
    op.drop_table('payment_holds')
    op.drop_table('department_task_steps')
    op.drop_table('department_tasks')
    op.drop_table('department_policies')
    op.drop_table('departments')
