"""subsidy notices as posted: a line not matched to a beneficiary (or holding an impossible value) is
kept with its finding, the name and (masked) ID number as the notice showed them, and a key of its own

Revision ID: 5b8d2e7f1a93
Revises: a4d7c2e9b310
Create Date: 2026-12-03 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b8d2e7f1a93'
down_revision = 'a4d7c2e9b310'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('subsidy_notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('posted_name', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('posted_id', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('finding', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('line_key', sa.String(length=64), nullable=True))
        batch_op.alter_column('beneficiary_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_subsidy_notices_line_key'), ['line_key'])


def downgrade():
    op.execute(sa.text("DELETE FROM subsidy_notices WHERE beneficiary_id IS NULL"))
    with op.batch_alter_table('subsidy_notices', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_subsidy_notices_line_key'), type_='unique')
        batch_op.alter_column('beneficiary_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('line_key')
        batch_op.drop_column('finding')
        batch_op.drop_column('posted_id')
        batch_op.drop_column('posted_name')
