"""Payments (disbursements) partitioned by year on PostgreSQL; SQLite keeps one table

On PostgreSQL the table becomes ``PARTITION BY RANGE (period)`` with one partition per year
(``disbursements_2026`` holds the periods from '2026' up to, not including, '2027': '2026',
'2026-03', '2026-Q1', '2026-H1') and a default partition for anything else. Every existing row is
copied. A partitioned table's primary key and unique constraints must hold the partition key, so
the primary key becomes (id, period) — ids still come from the one sequence, so an id alone still
names one payment — and a payment's ``row_key`` is unique within its period; 没收到 cases point at
(disbursement_id, period). The indexes are made on the parent, so every partition has them.

On SQLite only the uniqueness changes, so both databases follow the same model.

Revision ID: 9e3b5d7a1c42
Revises: e8a3c5f1b7d2
Create Date: 2026-12-03 07:30:00
"""
from datetime import date

from alembic import op

revision = '9e3b5d7a1c42'
down_revision = 'e8a3c5f1b7d2'
branch_labels = None
depends_on = None

TABLE = 'disbursements'
OLD = 'disbursements_unpartitioned'
CASE_FK = 'fk_subsidy_cases_disbursement_id_disbursements'


def _carried_over(conn, table):
    """(foreign keys, indexes) of ``table`` as DDL, without its primary key and unique constraints."""
    fks = [(name, definition) for name, definition in conn.exec_driver_sql(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        f"WHERE conrelid = '{table}'::regclass AND contype = 'f' ORDER BY conname")]
    indexes = [(name, definition) for name, definition in conn.exec_driver_sql(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        f"WHERE x.indrelid = '{table}'::regclass AND NOT x.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid) ORDER BY i.relname")]
    return fks, indexes


def _move(conn, source, target, fks, indexes):
    """Copy every row of ``source`` into ``target`` (already made), then its keys and indexes."""
    conn.exec_driver_sql(f"INSERT INTO {target} SELECT * FROM {source}")
    conn.exec_driver_sql(f"ALTER SEQUENCE {TABLE}_id_seq OWNED BY {target}.id")
    conn.exec_driver_sql(f"DROP TABLE {source}")
    for name, definition in fks:
        conn.exec_driver_sql(f"ALTER TABLE {target} ADD CONSTRAINT {name} {definition}")
    for name, definition in indexes:
        # pg_get_indexdef names the table it was read from: it is the same definition on the new one
        conn.exec_driver_sql(definition.replace(f" ON public.{source} ", f" ON {target} ")
                             .replace(f" ON ONLY public.{source} ", f" ON {target} ")
                             .replace(f" ON {source} ", f" ON {target} "))


def upgrade():
    conn = op.get_bind()
    if conn.dialect.name != 'postgresql':
        with op.batch_alter_table(TABLE) as batch:
            batch.drop_constraint('uq_disbursements_row_key', type_='unique')
            batch.create_unique_constraint('uq_disbursements_row_key_period', ['row_key', 'period'])
        return
    op.drop_constraint(CASE_FK, 'subsidy_cases', type_='foreignkey')
    op.execute(f"ALTER TABLE {TABLE} RENAME TO {OLD}")
    fks, indexes = _carried_over(conn, OLD)
    for name, _ in indexes:
        op.execute(f"DROP INDEX {name}")  # made again on the partitioned table, after the copy
    op.execute(f"ALTER TABLE {OLD} RENAME CONSTRAINT pk_disbursements TO pk_{OLD}")
    op.execute(f"ALTER TABLE {OLD} RENAME CONSTRAINT uq_disbursements_row_key TO uq_{OLD}_row_key")
    op.execute(f"CREATE TABLE {TABLE} (LIKE {OLD} INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (period)")
    this_year = date.today().year
    years = {int(y) for (y,) in conn.exec_driver_sql(
        f"SELECT DISTINCT left(period, 4) FROM {OLD} WHERE period ~ '^[0-9]{{4}}'") if 1900 < int(y) < 2200}
    for year in sorted(years | {this_year - 1, this_year, this_year + 1}):
        op.execute(f"CREATE TABLE {TABLE}_{year} PARTITION OF {TABLE} FOR VALUES FROM ('{year}') TO ('{year + 1}')")
    op.execute(f"CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT")
    op.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT pk_disbursements PRIMARY KEY (id, period)")
    op.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT uq_disbursements_row_key_period UNIQUE (row_key, period)")
    _move(conn, OLD, TABLE, fks, indexes)
    op.execute(f"ALTER TABLE subsidy_cases ADD CONSTRAINT {CASE_FK} FOREIGN KEY (disbursement_id, period) "
               f"REFERENCES {TABLE} (id, period)")


def downgrade():
    conn = op.get_bind()
    if conn.dialect.name != 'postgresql':
        with op.batch_alter_table(TABLE) as batch:
            batch.drop_constraint('uq_disbursements_row_key_period', type_='unique')
            batch.create_unique_constraint('uq_disbursements_row_key', ['row_key'])
        return
    op.drop_constraint(CASE_FK, 'subsidy_cases', type_='foreignkey')
    op.execute(f"ALTER TABLE {TABLE} RENAME TO {OLD}")
    fks, indexes = _carried_over(conn, OLD)
    for name, _ in indexes:
        op.execute(f"DROP INDEX {name}")  # (drops each partition's too)
    op.execute(f"ALTER TABLE {OLD} RENAME CONSTRAINT pk_disbursements TO pk_{OLD}")
    op.execute(f"ALTER TABLE {OLD} RENAME CONSTRAINT uq_disbursements_row_key_period TO uq_{OLD}_row_key_period")
    op.execute(f"CREATE TABLE {TABLE} (LIKE {OLD} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    op.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT pk_disbursements PRIMARY KEY (id)")
    op.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT uq_disbursements_row_key UNIQUE (row_key)")
    _move(conn, OLD, TABLE, fks, indexes)  # (dropping the parent drops its partitions)
    op.execute(f"ALTER TABLE subsidy_cases ADD CONSTRAINT {CASE_FK} FOREIGN KEY (disbursement_id) "
               f"REFERENCES {TABLE} (id)")
