"""projects and units with their history: the contractor's 统一社会信用代码, comparison keys of the
contractor's and each payee's company name (the payee rule compares them), and the import run that
wrote a unit, project or payment last (imports of the unit list, project register and payments)

Revision ID: a4d7c2e9b310
Revises: c6bff1bc4381
Create Date: 2026-12-02 18:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4d7c2e9b310'
down_revision = 'c6bff1bc4381'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_units_batch_id'), ['batch_id'], unique=False)
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contractor_uscc', sa.String(length=18), nullable=True))
        batch_op.add_column(sa.Column('contractor_key', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_projects_batch_id'), ['batch_id'], unique=False)
    with op.batch_alter_table('project_payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payee_key', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_project_payments_batch_id'), ['batch_id'], unique=False)

    # The keys of what is stored already, computed by the same function the services use.
    from backend.projects.companies import company_key
    bind = op.get_bind()
    for table, source, key in (("projects", "contractor", "contractor_key"),
                               ("project_payments", "payee", "payee_key")):
        names = [row[0] for row in bind.execute(sa.text(
            f"SELECT DISTINCT {source} FROM {table} WHERE {source} IS NOT NULL"))]
        for name in names:
            bind.execute(sa.text(f"UPDATE {table} SET {key} = :key WHERE {source} = :name"),
                         {"key": company_key(name), "name": name})


def downgrade():
    with op.batch_alter_table('project_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_payments_batch_id'))
        batch_op.drop_column('batch_id')
        batch_op.drop_column('payee_key')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_projects_batch_id'))
        batch_op.drop_column('batch_id')
        batch_op.drop_column('contractor_key')
        batch_op.drop_column('contractor_uscc')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_batch_id'))
        batch_op.drop_column('batch_id')
