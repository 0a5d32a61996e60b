"""Full scan: the periodic full risk scan of a province's payments, relative to one pass over them —
before and after the payments table is partitioned by year, on the same data in the same run.

On PostgreSQL (``postgresql://postgres@127.0.0.1:5432/jicai_bench_part``) this script

1. builds the database of ``subsidy_rules.py`` at SCALE payments (``--scale``, default 1,000,000;
   SCALE / 5 beneficiaries) through the real importer, with the schema as it was before
   partitioning (``flask db upgrade 7c2d4e6f8a10``) — or, with ``--reuse``, takes the database an
   earlier run left (brought back to that revision with ``flask db downgrade``, which copies the
   payments back into one table),
2. "before" (one table): ``VACUUM ANALYZE``, the baseline — ``SELECT count(*), sum(amount) FROM
   disbursements`` forced to a sequential scan, best of ``--repeat`` — then, in-process with the
   clock pinned, the full scan (``engine.scan()``: every rule, the eight subsidy rules and the
   project, fund, 三资 and rectification rules) + commit, steady state (nothing changed since the
   first scan), best of ``--repeat``, the eight subsidy rules alone, and each subsidy rule alone,
3. ``flask db upgrade`` (migration 9e3b5d7a1c42: the payments partitioned by year), timed,
4. "after" (partitioned): the same measurements,
5. the two ratios side by side: full scan ÷ one pass, target ≤ 10×.

Payments at province size: ``--scale 10000000 --after-only`` (built straight at the current schema,
measured partitioned only: the models no longer fit the schema before partitioning; ~10 × the time
and ~8 GB of disk), or ``--scale 10000000 --after-only --copies 10``: 1,000,000 through the importer,
then nine copies of those people and their rows by SQL, each with lookup hashes of its own. Usage: .venv/bin/python bench/full_scan.py [--scale N] [--reuse] [--repeat 3]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import subsidy_data as data  # noqa: E402
from risk_scan import BIN, ROOT, Scanner, baseline, connect, rule_table  # noqa: E402

PG_URL = "postgresql://postgres@127.0.0.1:5432/jicai_bench_part"
BEFORE = "7c2d4e6f8a10"  # the revision before the payments were partitioned
TARGET_RATIO = 10.0
BASELINE_SQL = "SELECT count(*), sum(amount) FROM disbursements"


def flask_db(url, *args):
    env = {**os.environ, "DATABASE_URL": url, "JICAI_ENV": "development", "QUEUE_URL": "memory://"}
    result = subprocess.run([str(BIN / "flask"), "--app", "wsgi", "db", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"flask db {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


def build(url, people, rows, schema=BEFORE):
    data.reset_postgres(url)
    flask_db(url, "upgrade", schema)
    with tempfile.TemporaryDirectory(prefix="jicai-bench-") as storage:
        app = data.make_app(url, storage)
        with app.app_context(), app.test_request_context():
            from backend.extensions import db
            town, lead = data.prepare(people)
            load_payments(town, lead, people, rows)
            data.finish(town, lead, people)
            db.session.remove()
            db.engine.dispose()


# What a copy of the people changes: every key that names a person or a row is made anew (the
# lookup hashes re-hashed with the copy's number, so that a copy's people match each other — their
# deaths, employments, notices, shared cards — and no one of another copy).
COPIED = {
    "beneficiaries": {"id": "+", "id_hash": "hash", "card_hash": "hash", "phone_hash": "hash",
                      "household": "tag"},
    "disbursements": {"id": "+", "beneficiary_id": "+beneficiaries", "card_hash": "hash", "row_key": "hash"},
    "subsidy_notices": {"id": "+", "beneficiary_id": "+beneficiaries", "line_key": "hash"},
    "death_records": {"id": "+", "id_hash": "hash"},
    "public_employees": {"id": "+", "id_hash": "hash"},
}


def replicate(url, copies):
    """The people the importer wrote and everything that names them, ``copies`` times in all, by
    SQL: a province's year built from a county's in minutes instead of hours through the importer.
    Each copy is a township's people of its own (the same villages), with the same planted cases."""
    conn = connect(url)
    top = {t: conn.execute(f"SELECT coalesce(max(id), 0) FROM {t}").fetchone()[0] for t in COPIED}
    for k in range(1, copies):
        t0 = time.perf_counter()
        for table, changes in COPIED.items():
            columns = [c for (c,) in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                "ORDER BY ordinal_position", (table,))]

            def value(column):
                how = changes.get(column)
                if how == "+":
                    return f"{column} + {k * top[table]}"
                if how and how.startswith("+"):
                    return f"{column} + {k * top[how[1:]]}"
                if how == "hash":
                    return f"encode(sha256(convert_to({column} || ':{k}', 'UTF8')), 'hex')"
                if how == "tag":
                    return f"{column} || '#{k}'"
                return column
            conn.execute(f"INSERT INTO {table} ({', '.join(columns)}) "
                         f"SELECT {', '.join(map(value, columns))} FROM {table} WHERE id <= {top[table]}")
        print(f"  copy {k + 1} of {copies}: {time.perf_counter() - t0:.0f} s", flush=True)
    for table in COPIED:
        conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    conn.close()


def load_payments(town, lead, people, rows, chunk=400_000):
    """The payments file in files of ``chunk`` rows (one sheet holds at most 600,000)."""
    lines = data.disbursements_csv(people, rows).splitlines()
    header, body = lines[0], lines[1:]
    for start in range(0, len(body), chunk):
        part = "\n".join([header, *body[start:start + chunk]]) + "\n"
        seconds, run = data.load("disbursements", town, lead, part)
        print(f"  disbursements {run.rows:>9,} rows  {seconds:7.1f} s (engine.run + commit)")


def revision(conn):
    try:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    except Exception:
        return None


def layout(conn):
    parts = conn.execute("SELECT c.relname, c.reltuples::bigint FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                         "WHERE i.inhparent = 'disbursements'::regclass ORDER BY 1").fetchall()
    if not parts:
        return "one table"
    return "partitioned: " + ", ".join(f"{name} ~{n:,}" for name, n in parts)


def measure(url, label, repeat):
    """{name: seconds} of one state of the schema."""
    from backend.subsidies.rules import SUBSIDY_RULES
    conn = connect(url)
    conn.execute("VACUUM ANALYZE")
    print(f"\n== {label}: disbursements {layout(conn)}")
    base, runs, count, total = baseline(conn, repeat, BASELINE_SQL, "disbursements")
    print(f"  one pass: {count:,} rows, sum {total:,.2f}: {base * 1000:.1f} ms "
          f"(best of {repeat}: {', '.join(f'{r * 1000:.1f}' for r in runs)})")
    with tempfile.TemporaryDirectory(prefix="jicai-bench-") as storage:
        scanner = Scanner(url, storage)
        with scanner.context():
            scanner.warm()
            first, report = scanner.scan()
            opened = sum(c["opened"] for c in report.values())
            print(f"  first full scan: {first:.3f} s ({opened:,} warnings opened) = {first / base:.1f}×", flush=True)
            full = [scanner.scan()[0] for _ in range(repeat)]
            subsidy = [scanner.scan(SUBSIDY_RULES)[0] for _ in range(repeat)]
            print(f"  full scan (every rule), steady: {', '.join(f'{s:.3f}' for s in full)} s; "
                  f"best {min(full):.3f}, median {statistics.median(full):.3f}")
            print(f"  the eight subsidy rules, steady: {', '.join(f'{s:.3f}' for s in subsidy)} s; best {min(subsidy):.3f}")
            rule_table(scanner, SUBSIDY_RULES, base, max(1, repeat - 1))
            scanner.close()
    base_again = baseline(conn, repeat, BASELINE_SQL, "disbursements")[0]
    conn.close()
    base = min(base, base_again)
    print(f"  one pass again: {base_again * 1000:.1f} ms; the ratio uses {base * 1000:.1f} ms")
    print(f"  full scan ÷ one pass: {min(full) / base:.1f}×; subsidy rules ÷ one pass: {min(subsidy) / base:.1f}×")
    return {"base": base, "full": min(full), "subsidy": min(subsidy), "first": first}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL_PART", PG_URL))
    parser.add_argument("--scale", type=int, default=int(os.environ.get("SCALE", 1_000_000)), help="payments")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="use the database an earlier run left")
    parser.add_argument("--after-only", action="store_true",
                        help="measure the partitioned table only (built at the current schema, or --reuse)")
    parser.add_argument("--copies", type=int, default=1,
                        help="import SCALE / COPIES payments, then copy the people and their rows by SQL "
                             "(with --after-only)")
    args = parser.parse_args()
    if args.copies > 1 and not args.after_only:
        parser.error("--copies builds at the current schema: use it with --after-only")
    people = max(args.scale // 5, 100)

    print(f"== PostgreSQL: {args.pg_url}; {args.scale:,} payments, {people:,} beneficiaries")
    conn = None
    try:
        conn = connect(args.pg_url)
        have = conn.execute("SELECT count(*) FROM disbursements").fetchone()[0] if revision(conn) else 0
    except Exception:
        have = 0
    if args.reuse and have >= args.scale:
        print(f"Reusing {have:,} payments (and the warnings an earlier run opened: steady state at once)")
        if revision(conn) != BEFORE and not args.after_only:
            t0 = time.perf_counter()
            flask_db(args.pg_url, "downgrade", BEFORE)
            print(f"  flask db downgrade {BEFORE} (back to one table): {time.perf_counter() - t0:.1f} s")
        conn.close()
    else:
        if conn:
            conn.close()
        t0 = time.perf_counter()
        build(args.pg_url, people // args.copies, args.scale // args.copies, "head" if args.after_only else BEFORE)
        print(f"  built in {time.perf_counter() - t0:.0f} s")
        if args.copies > 1:
            t0 = time.perf_counter()
            replicate(args.pg_url, args.copies)
            print(f"  copied to {args.copies} × in {time.perf_counter() - t0:.0f} s")

    before = None if args.after_only else measure(args.pg_url, "Before: one table", args.repeat)
    # The warnings stay: the scans after the migration are steady-state scans too (the migration
    # keeps every payment's id, and so every warning's subject).
    t0 = time.perf_counter()
    flask_db(args.pg_url, "upgrade")
    print(f"\nflask db upgrade (partition by year, copying {args.scale:,} payments): {time.perf_counter() - t0:.1f} s")
    after = measure(args.pg_url, "After: partitioned by year", args.repeat)
    if before is None:
        print(f"\nVerdict (steady-state scan ÷ one pass over the payments; target ≤ 10×): "
              f"full scan {after['full'] / after['base']:.1f}× "
              f"{'MET' if after['full'] / after['base'] <= TARGET_RATIO else 'NOT MET'}, "
              f"the eight subsidy rules {after['subsidy'] / after['base']:.1f}×")
        return

    print("\nVerdict (steady-state scan ÷ one pass over the payments; target ≤ 10×)")
    for name, what in (("full", "full scan, every rule"), ("subsidy", "the eight subsidy rules")):
        b, a = before[name] / before["base"], after[name] / after["base"]
        print(f"  {what:<26} one table {b:5.1f}×   partitioned {a:5.1f}×   "
              f"{'MET' if a <= TARGET_RATIO else 'NOT MET'}")
    print(f"  one pass: one table {before['base'] * 1000:.1f} ms, partitioned {after['base'] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
