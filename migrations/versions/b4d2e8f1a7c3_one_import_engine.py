"""one import engine: subsidy_imports becomes import_runs (any kind, the file's header, a value to hand
back once), its changes import_changes, and the column names saved per region (import_mappings)

Revision ID: b4d2e8f1a7c3
Revises: 7c3e9a1f52d4
Create Date: 2026-12-02 19:00:00

"""
from alembic import op
import sqlalchemy as sa

import backend.core.models


# revision identifiers, used by Alembic.
revision = 'b4d2e8f1a7c3'
down_revision = '7c3e9a1f52d4'
branch_labels = None
depends_on = None


def upgrade():
    # Renamed, not copied: the runs' history and every batch_id pointing at them stay as they are
    # (PostgreSQL's foreign keys follow the table; SQLite rewrites the references on rename).
    op.drop_index('ix_subsidy_imports_region_id', table_name='subsidy_imports')
    op.drop_index('ix_subsidy_imports_sha256', table_name='subsidy_imports')
    op.drop_index('ix_subsidy_import_changes_import_id', table_name='subsidy_import_changes')
    op.rename_table('subsidy_imports', 'import_runs')
    op.rename_table('subsidy_import_changes', 'import_changes')
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.String(length=16), type_=sa.String(length=32),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('headers', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('secret', sa.String(), nullable=True))
        for column in ('client_uuid', 'withdraw_uuid'):
            batch_op.drop_constraint(f'uq_subsidy_imports_{column}', type_='unique')
            batch_op.create_unique_constraint(f'uq_import_runs_{column}', [column])
    op.create_index('ix_import_runs_region_id', 'import_runs', ['region_id'], unique=False)
    op.create_index('ix_import_runs_sha256', 'import_runs', ['sha256'], unique=False)
    op.create_index('ix_import_changes_import_id', 'import_changes', ['import_id'], unique=False)
    op.create_table('import_mappings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('columns', sa.JSON(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', backend.core.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], ),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('region_id', 'kind')
    )


def downgrade():
    op.drop_table('import_mappings')
    op.drop_index('ix_import_changes_import_id', table_name='import_changes')
    op.drop_index('ix_import_runs_sha256', table_name='import_runs')
    op.drop_index('ix_import_runs_region_id', table_name='import_runs')
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        for column in ('client_uuid', 'withdraw_uuid'):
            batch_op.drop_constraint(f'uq_import_runs_{column}', type_='unique')
            batch_op.create_unique_constraint(f'uq_subsidy_imports_{column}', [column])
        batch_op.drop_column('secret')
        batch_op.drop_column('headers')
        batch_op.alter_column('kind', existing_type=sa.String(length=32), type_=sa.String(length=16),
                              existing_nullable=False)
    op.rename_table('import_changes', 'subsidy_import_changes')
    op.rename_table('import_runs', 'subsidy_imports')
    op.create_index('ix_subsidy_import_changes_import_id', 'subsidy_import_changes', ['import_id'], unique=False)
    op.create_index('ix_subsidy_imports_sha256', 'subsidy_imports', ['sha256'], unique=False)
    op.create_index('ix_subsidy_imports_region_id', 'subsidy_imports', ['region_id'], unique=False)
