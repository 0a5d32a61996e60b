"""The database's own floor for the subsidy import: how long PostgreSQL alone takes to put a million
already-prepared payments into ``disbursements``, part by part, against the import benchmark's
baseline (COPY of the clerk's CSV into a bare table of text columns).

``subsidy_import.py`` measures the importer (0.02× the baseline; target ≥ 0.3×). This script asks
what any importer could reach while the rows end in the real table, with no Python at all:

1. ``postgresql://postgres@127.0.0.1:5432/jicai_bench_floor`` is dropped, recreated and migrated
   (``flask --app wsgi db upgrade``); parents are made with set-based SQL: 20 villages, 6 policies,
   one import run and 200,000 beneficiaries (placeholder ciphertext — no keys are needed);
2. the baseline is the clerk's payments file (``subsidy_data.disbursements_csv``, the same bytes
   ``subsidy_import.py`` uses) COPYed into a logged table of text columns, best of 3;
3. 1,000,000 prepared rows (every column of ``disbursements`` already computed: ids, ciphertext,
   hashes, the row key) are made in SQL and written out with ``COPY … TO STDOUT``; then the same
   bytes are COPYed, one run each, into tables made ``LIKE disbursements`` with: nothing; the primary
   key; the primary key and one index or one foreign key at a time; and into ``disbursements``
   itself (all seven indexes and four foreign keys), emptied before each run.

Printed: seconds, and baseline ÷ seconds — the best ratio an importer could reach with that table.
Usage: .venv/bin/python bench/subsidy_floor.py [--rows N] [--pg-url URL]
"""
import argparse
import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import subsidy_data as data  # noqa: E402
from subsidy_import import baseline_postgres  # noqa: E402

PG_URL = "postgresql://postgres@127.0.0.1:5432/jicai_bench_floor"
# (The places hang under a township, not a county: ``county_id`` is that township, 1 — the same
# column and key to check as a county's.)
PEOPLE = 200_000
COLUMNS = ("region_id, county_id, policy_id, beneficiary_id, period, quantity, amount, card_enc, card_hash, card_mask, "
           "status, reason, paid_on, voucher, row_key, batch_id")

PARENTS = [
    "INSERT INTO regions (id, code, name, level, path) VALUES (1, '330112100000', '基准镇', 'township', "
    "'/330112100000/')",
    "INSERT INTO regions (id, code, name, level, parent_id, path) SELECT 1 + v, '3301121002' || lpad(v::text, 2, '0'), "
    "'村' || v, 'village', 1, '/330112100000/3301121002' || lpad(v::text, 2, '0') || '/' FROM generate_series(1, 20) v",
    "INSERT INTO users (id, username, display_name, password_hash, role, region_id, active, created_at) "
    "VALUES (1, 'floor', 'floor', 'x', 'township_lead', 1, true, now())",
    "INSERT INTO subsidy_imports (id, kind, region_id, filename, sha256, status, rows, inserted, updated, unchanged, "
    "error_count, errors, created_by_id, created_at) VALUES (1, 'disbursements', 1, 'f.csv', 'x', 'accepted', 0, 0, 0, "
    "0, 0, '[]', 1, now())",
    "INSERT INTO subsidy_policies (id, region_id, year, name, category, standard_amount, unit, "
    "excludes_public_employees, exclusive_with, created_at) SELECT p, 1, 2026, '政策' || p, '类别', 100, '元/人', false, "
    "'[]', now() FROM generate_series(1, 6) p",
    f"INSERT INTO beneficiaries (id, region_id, county_id, name, id_enc, id_hash, id_mask, card_enc, card_hash, "
    f"card_mask, created_at, updated_at) SELECT g, 2 + g % 20, 1, '某某', md5(g::text), encode(sha256(g::text::bytea), 'hex'), "
    f"'330112********0012', md5(g::text), md5('c' || g), '6217***********0123', now(), now() "
    f"FROM generate_series(1, {PEOPLE}) g",
]

PREPARED = f"""
SELECT 2 + b % 20, 1, 1 + g % 6, b, '2026-' || lpad((1 + g % 12)::text, 2, '0'), 1.000,
       (100 + g % 300)::numeric(14, 2), md5(g::text) || md5((g + 1)::text), md5('c' || b),
       '6217***********0123', CASE WHEN g % 50 = 0 THEN 'failed' ELSE 'paid' END, NULL,
       date '2026-01-05' + g % 300, NULL, encode(sha256(g::text::bytea), 'hex'), 1
FROM (SELECT g, 1 + (hashtext(g::text)::bigint & 2147483647) % {PEOPLE} AS b
      FROM generate_series(1, %(rows)s) g) s
"""


def prepared_rows(conn, rows):
    """The prepared rows as COPY text, made by the database (deterministic)."""
    out = io.BytesIO()
    with conn.cursor().copy(f"COPY ({PREPARED.replace('%(rows)s', str(int(rows)))}) TO STDOUT") as copy:
        for chunk in copy:
            out.write(chunk)
    return out.getvalue()


def structure(conn):
    """The indexes (name, definition) and foreign keys (name, definition) of ``disbursements``."""
    indexes = conn.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'disbursements' "
                           "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'disbursements'::regclass "
                           "AND contype = 'p') ORDER BY indexname").fetchall()
    fks = conn.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conrelid = 'disbursements'::regclass AND contype = 'f' ORDER BY conname").fetchall()
    return indexes, fks


def variants(conn):
    """(label, DDL making table ``floor_t``) for each shape to time; None DDL means disbursements itself."""
    indexes, fks = structure(conn)
    bare = "CREATE TABLE floor_t (LIKE disbursements INCLUDING DEFAULTS)"
    pk = bare + "; ALTER TABLE floor_t ADD PRIMARY KEY (id)"
    out = [("no index, no foreign key", bare), ("primary key only", pk)]
    for name, definition in indexes:
        out.append((f"pk + {name}", pk + "; " + definition.replace("public.disbursements", "floor_t")
                    .replace(f"INDEX {name}", f"INDEX floor_{name}")))
    for name, definition in fks:
        out.append((f"pk + FK {definition}", pk + f"; ALTER TABLE floor_t ADD FOREIGN KEY {definition[len('FOREIGN KEY '):]}"))
    out.append((f"disbursements itself ({len(indexes) + 1} indexes, {len(fks)} FKs)", None))
    return out


def load(conn, payload, table):
    t0 = time.perf_counter()
    with conn.transaction(), conn.cursor() as cur:
        with cur.copy(f"COPY {table} ({COLUMNS}) FROM STDIN") as copy:
            view = memoryview(payload)
            for start in range(0, len(view), 1 << 20):
                copy.write(view[start:start + (1 << 20)])
    return time.perf_counter() - t0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL5", PG_URL))
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="baseline runs, best is kept (3)")
    args = parser.parse_args()
    import psycopg

    data.reset_postgres(args.pg_url)
    data.migrate(args.pg_url)
    with psycopg.connect(args.pg_url, autocommit=True) as conn:
        for sql in PARENTS:
            conn.execute(sql)
        conn.execute("VACUUM ANALYZE")
        clerk_file = data.disbursements_csv(PEOPLE, args.rows).encode("utf-8")
        base, runs, count = baseline_postgres(args.pg_url, clerk_file, args.repeat)
        print(f"Baseline: COPY of the clerk's payments file ({count:,} rows, {len(clerk_file) / 1e6:.0f} MB) into a "
              f"logged table of text columns: {base:.2f} s (best of " + ", ".join(f"{r:.2f}" for r in runs) + ")")
        payload = prepared_rows(conn, args.rows)
        print(f"Prepared rows: {args.rows:,}, {len(payload) / 1e6:.0f} MB of COPY text\n")
        print(f"{'COPY of the prepared rows into':<92} {'s':>6}  baseline ÷ s")
        for label, ddl in variants(conn):
            if ddl is None:
                conn.execute("TRUNCATE disbursements CASCADE")
                spent = load(conn, payload, "disbursements")
                conn.execute("TRUNCATE disbursements CASCADE")
            else:
                conn.execute("DROP TABLE IF EXISTS floor_t")
                for statement in ddl.split("; "):
                    conn.execute(statement)
                spent = load(conn, payload, "floor_t")
                conn.execute("DROP TABLE floor_t")
            print(f"{label[:92]:<92} {spent:6.2f}  {base / spent:5.2f}×")
        conn.execute("CHECKPOINT")
    print("\nThe import's target is baseline ÷ import ≥ 0.3×; the last line is the most any importer can reach "
          "while the rows end in disbursements as it is.")


if __name__ == "__main__":
    main()
