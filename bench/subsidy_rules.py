"""Subsidy rules: what a scan of the eight subsidy risk rules costs on a township's year of payments
(1,000,000 disbursements), relative to one pass over the disbursements table.

On PostgreSQL (``postgresql://postgres@127.0.0.1:5432/jicai_bench_subsidy``) this script

1. builds the database as ``subsidy_import.py`` does (drop, ``flask --app wsgi db upgrade``, one
   township, 200,000 beneficiaries, the death and public-employee lists, 1,000,000 payments, the
   2026-10 pension notice and 20 open 没收到 cases, all through ``engine.run``; see
   ``subsidy_data.py`` for what is planted), then ``VACUUM ANALYZE`` — or, with ``--reuse``, takes
   the database ``subsidy_import.py`` left behind (its warnings and their inbox messages deleted),
2. times the baseline: ``SELECT count(*), sum(amount) FROM disbursements`` forced to a plain
   sequential scan (no index or bitmap scans, no parallel workers), best of 3,
3. in-process, with the clock pinned to one instant, times ``engine.scan(SUBSIDY_RULES)`` + commit:
   the first scan (opens every warning and its inbox messages), then the second with nothing
   changed — and checks it wrote nothing (row counts, an md5 of every risk_warnings row, and the
   insert/update/delete counters of pg_stat_user_tables) — then more steady-state scans (best of 3),
4. times each rule alone (``rule.find`` and ``engine.scan([code])``) with a one-line summary of its
   query plans (``--explain``: the full plans),
5. times the baseline again; the ratio uses the best baseline of both.

Targets: steady-state scan ÷ disbursements seq scan ≤ 10×; writes on the second scan 0.

Usage: .venv/bin/python bench/subsidy_rules.py [--reuse] [--explain] [--repeat 3] [--pg-url URL]
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import subsidy_data as data  # noqa: E402
from risk_scan import (Scanner, compare, connect, print_report, print_verdict, rule_table,  # noqa: E402
                       writes_line)
from risk_scan import baseline as seq_scan  # noqa: E402
from risk_scan import snapshot as table_snapshot  # noqa: E402


PG_URL = "postgresql://postgres@127.0.0.1:5432/jicai_bench_subsidy"
TARGET_RATIO = 10.0
WATCHED = ("risk_warnings", "notifications", "audit_logs", "lifecycle_events", "disbursements")
BASELINE_SQL = "SELECT count(*), sum(amount) FROM disbursements"


def baseline(conn, repeat):
    """One forced sequential scan of disbursements (best of ``repeat``)."""
    return seq_scan(conn, repeat, BASELINE_SQL, "disbursements")


def snapshot(conn):
    return table_snapshot(conn, WATCHED)


def build(url, people, rows):
    """The database of subsidy_import.py, without the timing."""
    data.reset_postgres(url)
    data.migrate(url)
    with tempfile.TemporaryDirectory(prefix="jicai-bench-") as storage:
        app = data.make_app(url, storage)
        with app.app_context(), app.test_request_context():
            from backend.extensions import db
            town, lead = data.prepare(people)
            from full_scan import load_payments
            load_payments(town, lead, people, rows)  # in files of 400,000 rows: a sheet holds at most 600,000
            data.finish(town, lead, people)
            db.session.remove()
            db.engine.dispose()


def reusable(url, rows):
    """True when ``url`` holds subsidy_import.py's database; its warnings are then cleared."""
    import psycopg
    try:
        with connect(url) as conn:
            n = conn.execute("SELECT count(*) FROM disbursements").fetchone()[0]
            notices = conn.execute("SELECT count(*) FROM subsidy_notices").fetchone()[0]
            if n < rows or not notices:
                return False
            conn.execute("DELETE FROM notifications WHERE kind = 'risk_raised'")
            conn.execute("DELETE FROM risk_warnings")
            return True
    except psycopg.Error:
        return False


def sizes(conn):
    counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in (
        "beneficiaries", "disbursements", "subsidy_notices", "death_records", "public_employees", "subsidy_cases")}
    mb = conn.execute("SELECT pg_total_relation_size('disbursements') / 1e6, "
                      "pg_relation_size('disbursements') / 1e6").fetchone()
    by_status = conn.execute("SELECT string_agg(status || ' ' || n, ', ' ORDER BY n DESC) FROM "
                             "(SELECT status, count(*) n FROM disbursements GROUP BY status) s").fetchone()[0]
    print("  " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
    print(f"  disbursements: {by_status}; {mb[1]:.0f} MB heap, {mb[0]:.0f} MB with indexes")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL4", PG_URL))
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each timing, best is kept (3)")
    parser.add_argument("--reuse", action="store_true", help="use the database subsidy_import.py left")
    parser.add_argument("--explain", action="store_true", help="print each rule's full query plans")
    args = parser.parse_args()

    from backend.risks.rules import RULES
    from backend.subsidies.rules import SUBSIDY_RULES

    print(f"== PostgreSQL: {args.pg_url}")
    if args.reuse and reusable(args.pg_url, args.rows):
        print("Reusing the database of subsidy_import.py (warnings cleared)")
    else:
        print(f"Building ({args.people:,} beneficiaries, {args.rows:,} payments) through engine.run:")
        t0 = time.perf_counter()
        build(args.pg_url, args.people, args.rows)
        print(f"  built in {time.perf_counter() - t0:.0f} s")
    conn = connect(args.pg_url)
    t0 = time.perf_counter()
    conn.execute("VACUUM ANALYZE")
    print(f"  VACUUM ANALYZE {time.perf_counter() - t0:.1f} s")
    sizes(conn)

    base, base_runs, count, total = baseline(conn, args.repeat)
    print(f"\nBaseline: {BASELINE_SQL} as a sequential scan — {count:,} rows, sum {total:,.2f}")
    print(f"  {base * 1000:.1f} ms (best of {args.repeat}: " + ", ".join(f"{r * 1000:.1f}" for r in base_runs) + " ms)")

    with tempfile.TemporaryDirectory(prefix="jicai-bench-") as storage:
        scanner = Scanner(args.pg_url, storage)
        with scanner.context():
            scanner.warm()
            print(f"\nScans (engine.scan(SUBSIDY_RULES) + commit, {len(SUBSIDY_RULES)} rules, "
                  f"clock pinned at {scanner.now:%Y-%m-%d %H:%M:%S} UTC)")
            before = snapshot(conn)
            first, report = scanner.scan(SUBSIDY_RULES)
            scanner.flush_stats()
            after_first = snapshot(conn)
            opened = sum(c["opened"] for c in report.values())
            print(f"  first scan:  {first:8.3f} s  = {first / base:7.1f} × baseline  ({opened:,} warnings opened)")
            print_report(report, "first scan per rule")
            print(f"  first scan wrote: {writes_line(compare(before, after_first))}")

            second, report2 = scanner.scan(SUBSIDY_RULES)
            scanner.flush_stats()
            after_second = snapshot(conn)
            diff = compare(after_first, after_second)
            print(f"  second scan: {second:8.3f} s  = {second / base:7.1f} × baseline  (nothing changed)")
            print_report(report2, "second scan per rule")
            print(f"  second scan wrote: {writes_line(diff)}")

            steady = [second] + [scanner.scan(SUBSIDY_RULES)[0] for _ in range(args.repeat - 1)]
            best = min(steady)
            print("  steady-state scans: " + ", ".join(f"{s:.3f}" for s in steady)
                  + f" s; best {best:.3f} s, median {statistics.median(steady):.3f} s")

            rule_table(scanner, SUBSIDY_RULES, base, args.repeat, args.explain)
            scanner.flush_stats()
            later = compare(after_second, snapshot(conn))
            print(f"  all later steady-state scans wrote: {writes_line(later)}")
            scanner.close()
    assert all(code in RULES for code in SUBSIDY_RULES)

    base_after, base_runs_after = baseline(conn, args.repeat)[:2]
    conn.close()
    print(f"\nBaseline again: {base_after * 1000:.1f} ms (best of {args.repeat}: "
          + ", ".join(f"{r * 1000:.1f}" for r in base_runs_after) + " ms)")
    base = min(base, base_after)

    print_verdict("steady-state subsidy scan / disbursements seq scan", best, base,
                  f"first scan {first:.1f} s = {first / base:.1f}×", diff, later, TARGET_RATIO)


if __name__ == "__main__":
    main()
