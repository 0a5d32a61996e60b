"""subsidy imports run as jobs: a queued run keeps the key of its uploaded file until imported

Revision ID: c7e1a9d04b52
Revises: 48fa085250ee
Create Date: 2026-12-02 16:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7e1a9d04b52'
down_revision = '48fa085250ee'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('subsidy_imports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('file_key', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('subsidy_imports', schema=None) as batch_op:
        batch_op.drop_column('file_key')
