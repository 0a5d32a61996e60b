"""Every large fact row carries its county (``county_id``, the third code of its region's path), so
that a province outgrowing one PostgreSQL can distribute these tables by county (Citus): subsidy
payments, beneficiaries, bank batch lines, projects and their payments (the project's county),
inspections, risk warnings and rectifications.

Fast on big tables: the county of each region is worked out once (regions are few), then one
UPDATE … FROM per table; NOT NULL and the foreign key come after the fill, so the key is checked
once per table, not once per row updated. On PostgreSQL ``disbursements`` is partitioned by year:
the column, NOT NULL and key go on the parent and so on every partition.

Revision ID: a1c3e5f7b9d2
Revises: c3f5a7e9b1d4
Create Date: 2026-12-04 04:00:00
"""
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = 'a1c3e5f7b9d2'
down_revision = 'c3f5a7e9b1d4'
branch_labels = None
depends_on = None

BY_REGION = ('beneficiaries', 'disbursements', 'batch_payments', 'projects', 'inspections', 'risk_warnings',
             'rectifications')
BY_PROJECT = ('project_payments',)
TABLES = BY_REGION + BY_PROJECT


def _fk(table):
    return f'fk_{table}_county_id_regions'


def fill(conn):
    """Set every fact row's ``county_id`` from its region (a project payment's from its project)."""
    regions = conn.execute(sa.text("SELECT id, code, path FROM regions")).all()
    ids = {code: region_id for region_id, code, _ in regions}
    pairs = []
    for region_id, _, path in regions:
        parts = path.strip('/').split('/')
        if len(parts) >= 3 and parts[2] in ids:
            pairs.append({'r': region_id, 'c': ids[parts[2]]})
    conn.execute(sa.text("CREATE TEMPORARY TABLE county_of (region_id INTEGER PRIMARY KEY, county_id INTEGER)"))
    if pairs:
        conn.execute(sa.text("INSERT INTO county_of (region_id, county_id) VALUES (:r, :c)"), pairs)
    for table in BY_REGION:
        conn.execute(sa.text(f"UPDATE {table} SET county_id = m.county_id FROM county_of AS m "
                             f"WHERE m.region_id = {table}.region_id"))
    conn.execute(sa.text("DROP TABLE county_of"))
    for table in BY_PROJECT:
        conn.execute(sa.text(f"UPDATE {table} SET county_id = p.county_id FROM projects AS p "
                             f"WHERE p.id = {table}.project_id"))


@contextmanager
def _indexes_kept(conn, table):
    """SQLite: a batch operation copies the table, and with it only the indexes it can reflect —
    not those on expressions (the warnings' list order): they are made again as they were."""
    made = conn.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t "
                                "AND sql IS NOT NULL"), {"t": table}).all()
    yield
    there = set(conn.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t"),
                             {"t": table}).scalars())
    for name, sql in made:
        if name not in there:
            conn.execute(sa.text(sql))


def upgrade():
    conn = op.get_bind()
    for table in TABLES:
        op.add_column(table, sa.Column('county_id', sa.Integer(), nullable=True))
    fill(conn)
    above = {t: n for t in TABLES if (n := conn.execute(sa.text(f"SELECT count(*) FROM {t} WHERE county_id IS NULL")).scalar())}
    if above:
        raise RuntimeError(f"rows whose place is not under a county (give them a county's place first): {above}")
    for table in TABLES:
        if conn.dialect.name == 'postgresql':
            op.alter_column(table, 'county_id', nullable=False)
            op.create_foreign_key(_fk(table), table, 'regions', ['county_id'], ['id'])
        else:
            with _indexes_kept(conn, table), op.batch_alter_table(table) as batch:
                batch.alter_column('county_id', existing_type=sa.Integer(), nullable=False)
                batch.create_foreign_key(_fk(table), 'regions', ['county_id'], ['id'])


def downgrade():
    conn = op.get_bind()
    for table in TABLES:
        if conn.dialect.name == 'postgresql':
            op.drop_constraint(_fk(table), table, type_='foreignkey')
            op.drop_column(table, 'county_id')
        else:
            with _indexes_kept(conn, table), op.batch_alter_table(table) as batch:
                batch.drop_constraint(_fk(table), type_='foreignkey')
                batch.drop_column('county_id')
