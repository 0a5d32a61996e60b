"""On PostgreSQL, a change to what a credential check reads — a user, their region, a session, a
revoked token — sends ``NOTIFY jicai_auth`` when its transaction commits, so every app process
forgets the credentials it remembers (``backend/core/credentials.py``), whoever made the change:
the app on any server, a command, or someone in ``psql``. Row triggers: a statement that changes
no row (the sign-in's sweep of expired sessions, usually) sends nothing; PostgreSQL sends one
notice per transaction however many rows change. A new session, user or region changes nothing
remembered. SQLite: nothing (the app remembers nothing there).

Revision ID: c7e1a9d3f5b2
Revises: a1c3e5f7b9d2
Create Date: 2026-12-05 10:00:00
"""
from alembic import op

revision = 'c7e1a9d3f5b2'
down_revision = 'a1c3e5f7b9d2'
branch_labels = None
depends_on = None

WATCHED = {'users': 'UPDATE OR DELETE', 'regions': 'UPDATE OR DELETE', 'user_sessions': 'UPDATE OR DELETE',
           'revoked_tokens': 'INSERT'}


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("""
        CREATE FUNCTION jicai_credentials_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('jicai_auth', '');
            RETURN NULL;
        END $$""")
    for table, events in WATCHED.items():
        op.execute(f"CREATE TRIGGER credentials_changed AFTER {events} ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION jicai_credentials_changed()")
        if events != 'INSERT':
            op.execute(f"CREATE TRIGGER credentials_truncated AFTER TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION jicai_credentials_changed()")


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, events in WATCHED.items():
        op.execute(f"DROP TRIGGER credentials_changed ON {table}")
        if events != 'INSERT':
            op.execute(f"DROP TRIGGER credentials_truncated ON {table}")
    op.execute("DROP FUNCTION jicai_credentials_changed()")
