"""one open task per project and inspector: a partial unique index, so assigning the same project to
the same inspector twice while a task is open is refused even when two leads do it at once

Revision ID: 7c3e9a1f52d4
Revises: c7e1a9d04b52
Create Date: 2026-12-02 16:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c3e9a1f52d4'
down_revision = 'c7e1a9d04b52'
branch_labels = None
depends_on = None


def upgrade():
    # Open duplicates made before this rule (none in the demo) keep the earliest task open and
    # cancel the later ones, so the index can be built.
    op.execute(sa.text(
        "UPDATE tasks SET status = 'cancelled' WHERE status = 'open' AND EXISTS ("
        "SELECT 1 FROM tasks AS earlier WHERE earlier.status = 'open' AND earlier.project_id = tasks.project_id "
        "AND earlier.assignee_id = tasks.assignee_id AND earlier.id < tasks.id)"))
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('uq_tasks_open_project_assignee', ['project_id', 'assignee_id'], unique=True,
                              postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))


def downgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('uq_tasks_open_project_assignee',
                            postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))
