"""On PostgreSQL, a change to a row that app processes remember between requests sends a notice on
the table's channel when its transaction commits, so every process forgets what depended on it
(``backend/core/remembered.py``), whoever made the change: the app on any server, a command, or
someone in ``psql``. What a credential check reads — users, sessions, revoked tokens (``jicai_auth``)
and regions (``jicai_regions``) — and the cockpit figures' versions (``jicai_figures``). Row
triggers: a statement that changes no row (a sign-in's sweep of expired sessions, usually) sends
nothing; PostgreSQL sends one notice per channel per transaction however many rows change. A new
session, user or region changes nothing remembered. SQLite: nothing (nothing is remembered there).

Revision ID: c7e1a9d3f5b2
Revises: a1c3e5f7b9d2
Create Date: 2026-12-05 10:00:00
"""
from alembic import op

revision = 'c7e1a9d3f5b2'
down_revision = 'a1c3e5f7b9d2'
branch_labels = None
depends_on = None

# table: (the changes that notify, its channel)
WATCHED = {'users': ('UPDATE OR DELETE', 'jicai_auth'), 'user_sessions': ('UPDATE OR DELETE', 'jicai_auth'),
           'revoked_tokens': ('INSERT', 'jicai_auth'), 'regions': ('UPDATE OR DELETE', 'jicai_regions'),
           'region_figure_versions': ('INSERT OR UPDATE OR DELETE', 'jicai_figures')}


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("""
        CREATE FUNCTION jicai_notify_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify(TG_ARGV[0], '');
            RETURN NULL;
        END $$""")
    for table, (events, channel) in WATCHED.items():
        op.execute(f"CREATE TRIGGER notify_changed AFTER {events} ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION jicai_notify_changed('{channel}')")
        if events != 'INSERT':
            op.execute(f"CREATE TRIGGER notify_truncated AFTER TRUNCATE ON {table} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION jicai_notify_changed('{channel}')")


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, (events, _) in WATCHED.items():
        op.execute(f"DROP TRIGGER notify_changed ON {table}")
        if events != 'INSERT':
            op.execute(f"DROP TRIGGER notify_truncated ON {table}")
    op.execute("DROP FUNCTION jicai_notify_changed()")
