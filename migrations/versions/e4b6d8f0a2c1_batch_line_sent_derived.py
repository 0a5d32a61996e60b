"""A batch line's 'sent' is no longer stored: a line not yet answered by the bank stays 'pending',
and reads 'sent' (银行处理中) while its batch's file is written (exported or closed). Writing a
batch's file no longer rewrites its lines.

Revision ID: e4b6d8f0a2c1
Revises: d9e3a5b7c1f4
Create Date: 2026-12-03 23:00:00
"""
from alembic import op

revision = 'e4b6d8f0a2c1'
down_revision = 'd9e3a5b7c1f4'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE batch_payments SET status = 'pending' WHERE status = 'sent'")


def downgrade():
    op.execute("UPDATE batch_payments SET status = 'sent' WHERE status = 'pending' AND batch_id IN "
               "(SELECT id FROM payment_batches WHERE status IN ('exported', 'closed'))")
