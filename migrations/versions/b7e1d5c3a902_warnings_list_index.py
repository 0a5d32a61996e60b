"""The warnings list in its own order: an index on (status, red?, orange?, last seen, id)

Red first, newest first within a level: "is it red", "is it orange" are expressions, indexed as the
list writes them (``risks.models.FIRST_SQL``), so the first and the 300th page of a province's warnings are an index
seek instead of sorting every open warning. One index with the status (the list's filter, "open"
by default) and one without (``status=all``).

Revision ID: b7e1d5c3a902
Revises: a7c3e9f1b5d2
Create Date: 2026-12-03 18:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'b7e1d5c3a902'
down_revision = 'a7c3e9f1b5d2'
branch_labels = None
depends_on = None

FIRST = [sa.text("(level = 'red')"), sa.text("(level = 'orange')")]


def upgrade():
    op.create_index('ix_risk_warnings_list', 'risk_warnings', ['status', *FIRST, 'last_seen_at', 'id'])
    op.create_index('ix_risk_warnings_list_all', 'risk_warnings', [*FIRST, 'last_seen_at', 'id'])


def downgrade():
    op.drop_index('ix_risk_warnings_list_all', table_name='risk_warnings')
    op.drop_index('ix_risk_warnings_list', table_name='risk_warnings')
