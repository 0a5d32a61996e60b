"""The references to a payment record indexed: a batch line's and a 没收到 case's ``disbursement_id``

Deleting payment records (withdrawing a payments import) checks every reference to each one; without
an index that is a scan of every batch line per record deleted — minutes for a batch of 100,000.

Revision ID: c8d2f4a6b1e3
Revises: b7e1d5c3a902
Create Date: 2026-12-03 18:45:00
"""
from alembic import op

revision = 'c8d2f4a6b1e3'
down_revision = 'b7e1d5c3a902'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_batch_payments_disbursement_id', 'batch_payments', ['disbursement_id'])
    op.create_index('ix_subsidy_cases_disbursement_id', 'subsidy_cases', ['disbursement_id'])


def downgrade():
    op.drop_index('ix_subsidy_cases_disbursement_id', table_name='subsidy_cases')
    op.drop_index('ix_batch_payments_disbursement_id', table_name='batch_payments')
