"""Two fewer index entries for every batch line written: ``batch_id`` alone is the batch and line
number's unique index's first column (its own index was a second copy), and the re-issue's
uniqueness is a partial index of the lines that are re-issues (every other line's NULL was an entry).

A batch of 100,000 lines is written three times (inserted, sent, answered); each write touched
every index.

Revision ID: d9e3a5b7c1f4
Revises: c8d2f4a6b1e3
Create Date: 2026-12-03 22:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'd9e3a5b7c1f4'
down_revision = 'c8d2f4a6b1e3'
branch_labels = None
depends_on = None

REISSUES = sa.text('reissue_of_id IS NOT NULL')


def upgrade():
    with op.batch_alter_table('batch_payments') as batch_op:
        batch_op.drop_index('ix_batch_payments_batch_id')
        batch_op.drop_constraint('uq_batch_payments_reissue_of', type_='unique')
    op.create_index('uq_batch_payments_reissue_of', 'batch_payments', ['reissue_of_id'], unique=True,
                    postgresql_where=REISSUES, sqlite_where=REISSUES)


def downgrade():
    op.drop_index('uq_batch_payments_reissue_of', table_name='batch_payments',
                  postgresql_where=REISSUES, sqlite_where=REISSUES)
    with op.batch_alter_table('batch_payments') as batch_op:
        batch_op.create_unique_constraint('uq_batch_payments_reissue_of', ['reissue_of_id'])
        batch_op.create_index('ix_batch_payments_batch_id', ['batch_id'])
