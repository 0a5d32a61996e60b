"""Subsidy import: what the all-or-nothing importer costs on a clerk's payment file, relative to the
database loading the same bytes with no checks at all.

For PostgreSQL (``postgresql://postgres@127.0.0.1:5432/jicai_bench_subsidy``, dropped and recreated)
and then SQLite (a fresh temp file), this script

1. migrates an empty database with the real CLI (``flask --app wsgi db upgrade``),
2. in-process (``create_app``), creates one township with 20 villages and its lead, and imports
   through ``engine.run`` the policy list, the beneficiaries (200,000 on PostgreSQL, 20,000 on
   SQLite) and the death and public-employee lists (see ``subsidy_data.py``),
3. generates the payments CSV (UTF-8, the clerk's Chinese headers, 1,000,000 rows on PostgreSQL,
   100,000 on SQLite, a few % of planted anomalies for the risk rules),
4. times the baseline: PostgreSQL's own ``COPY staging FROM STDIN WITH (FORMAT csv, HEADER true)``
   of the same bytes into a table of text columns (psycopg); on SQLite, Python's ``csv`` module +
   ``executemany`` INSERT into a table of text columns in the same file + commit — best of 3,
5. times ``engine.run("disbursements", ...)`` + commit (read, parse, check, write: printed
   separately), then the same file again (must change nothing: inserted 0, updated 0),
6. times the baseline again; the ratio uses the best baseline of both (drift hits both sides).

Verdict: baseline ÷ import ≥ 0.3 on PostgreSQL (the importer may take at most ~3.3 × a bare COPY).
The SQLite ratio is printed for information. ``--profile`` runs the PostgreSQL import under
cProfile and prints the top 15 functions by cumulative and by own time (the profiler slows it down,
so that run's ratio is not comparable). On PostgreSQL the database is left in place (with the
public notice and a few 没收到 cases added) for ``subsidy_rules.py --reuse``.

Usage: .venv/bin/python bench/subsidy_import.py [--profile] [--rows N] [--people N] [--no-sqlite]
"""
import argparse
import cProfile
import csv
import io
import os
import pstats
import sqlite3
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import subsidy_data as data  # noqa: E402

PG_URL = "postgresql://postgres@127.0.0.1:5432/jicai_bench_subsidy"
TARGET_RATIO = 0.3


# ---------------------------------------------------------------------------------------------
# Baselines: the database loading the same bytes with no checks
# ---------------------------------------------------------------------------------------------

def staging_columns(payload):
    header = payload[:payload.index(b"\n")].decode("utf-8").split(",")
    return ", ".join(f"c{i} text" for i in range(len(header)))


def baseline_postgres(url, payload, repeat):
    """Seconds of COPY ... FROM STDIN (FORMAT csv, HEADER true) of ``payload`` into a logged table of
    text columns (best of ``repeat``), and the rows loaded."""
    import psycopg
    runs = []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_staging")
        conn.execute(f"CREATE TABLE bench_staging ({staging_columns(payload)})")
        for _ in range(repeat):
            conn.execute("TRUNCATE bench_staging")
            t0 = time.perf_counter()
            with conn.transaction(), conn.cursor() as cur:
                with cur.copy("COPY bench_staging FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                    view = memoryview(payload)
                    for start in range(0, len(view), 1 << 20):
                        copy.write(view[start:start + (1 << 20)])
            runs.append(time.perf_counter() - t0)
        count = conn.execute("SELECT count(*) FROM bench_staging").fetchone()[0]
        conn.execute("DROP TABLE bench_staging")
    return min(runs), runs, count


def baseline_sqlite(path, payload, repeat):
    """Seconds of csv.reader + executemany INSERT of ``payload`` into a table of text columns in the
    same SQLite file, + commit (best of ``repeat``)."""
    runs = []
    width = len(payload[:payload.index(b"\n")].decode("utf-8").split(","))
    conn = sqlite3.connect(path)
    try:
        for _ in range(repeat):
            conn.execute("DROP TABLE IF EXISTS bench_staging")
            conn.execute(f"CREATE TABLE bench_staging ({staging_columns(payload)})")
            conn.commit()
            t0 = time.perf_counter()
            reader = csv.reader(io.StringIO(payload.decode("utf-8"), newline=""))
            next(reader)
            conn.executemany(f"INSERT INTO bench_staging VALUES ({', '.join('?' * width)})", reader)
            conn.commit()
            runs.append(time.perf_counter() - t0)
        count = conn.execute("SELECT count(*) FROM bench_staging").fetchone()[0]
        conn.execute("DROP TABLE bench_staging")
        conn.commit()
    finally:
        conn.close()
    return min(runs), runs, count


# ---------------------------------------------------------------------------------------------
# The importer, with its phases timed
# ---------------------------------------------------------------------------------------------

@contextmanager
def phases():
    """Seconds spent in tables.read and the disbursement importer's parse, check and write."""
    from backend.imports import tables
    from backend.subsidies import importer
    spent = {}
    originals = [(tables, "read", tables.read)] + [
        (importer.DisbursementImporter, name, getattr(importer.DisbursementImporter, name))
        for name in ("parse", "check", "write")]

    def timed(label, fn):
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - t0
        return wrapper
    for owner, name, fn in originals:
        setattr(owner, name, timed(name, fn))
    try:
        yield spent
    finally:
        for owner, name, fn in originals:
            setattr(owner, name, fn)


def import_file(town, lead, payload, profile=None):
    """(seconds, ImportRun, {phase: seconds}) of engine.run + commit."""
    from backend.extensions import db
    from backend.imports import engine
    with phases() as spent:
        if profile:
            profile.enable()
        t0 = time.perf_counter()
        run = engine.run("disbursements", town, lead, "发放明细.csv", payload)
        db.session.commit()
        seconds = time.perf_counter() - t0
        if profile:
            profile.disable()
    if run.status != "accepted":
        sys.exit(f"disbursements rejected: {run.error_count} errors, first: {run.errors[:3]}")
    spent["commit and the rest"] = seconds - sum(spent.values())
    return seconds, run, dict(spent)


def print_phases(spent, rows):
    print("    " + ", ".join(f"{k} {v:.1f} s ({v / rows * 1e6:.1f} µs/row)" for k, v in spent.items()))


def measure(label, url, sqlite_path, people, rows, repeat, profile):
    """Build, time and print one database's figures; returns the ratio."""
    from sqlalchemy import text

    from backend.extensions import db
    print(f"\n== {label}: {url}")
    data.migrate(url)
    with tempfile.TemporaryDirectory(prefix="jicai-bench-") as storage:
        app = data.make_app(url, storage)
        with app.app_context(), app.test_request_context():
            print(f"Setting up ({people:,} beneficiaries) through engine.run:")
            town, lead = data.prepare(people)
            t0 = time.perf_counter()
            payload = data.disbursements_csv(people, rows).encode("utf-8")
            print(f"  payments CSV: {rows:,} rows, {len(payload) / 1e6:.1f} MB, generated in "
                  f"{time.perf_counter() - t0:.1f} s")
            db.session.commit()

            def base():
                if sqlite_path:
                    return baseline_sqlite(sqlite_path, payload, repeat)
                return baseline_postgres(url, payload, repeat)
            how = ("csv.reader + executemany INSERT into a text-column table in the same SQLite file + commit"
                   if sqlite_path else "COPY bench_staging FROM STDIN WITH (FORMAT csv, HEADER true), "
                   "a logged table of text columns")
            b1, runs1, count = base()
            print(f"\nBaseline: {how} — {count:,} rows")
            print(f"  {b1:.2f} s (best of {repeat}: " + ", ".join(f"{r:.2f}" for r in runs1) + " s), "
                  f"{count / b1:,.0f} rows/s")

            prof = cProfile.Profile() if profile else None
            first, run, spent = import_file(town, lead, payload, prof)
            print(f"\nImport (engine.run('disbursements') + commit){' — under cProfile' if prof else ''}")
            print(f"  first:  {first:7.2f} s  {rows / first:>9,.0f} rows/s  {len(payload) / first / 1e6:5.2f} MB/s  "
                  f"{first / rows * 1e6:6.1f} µs/row   inserted {run.inserted:,}, updated {run.updated:,}, "
                  f"unchanged {run.unchanged:,}")
            print_phases(spent, rows)
            n, total, cards = db.session.execute(text(
                "SELECT count(*), coalesce(sum(amount), 0), count(DISTINCT card_hash) FROM disbursements")).one()
            print(f"    stored: {n:,} disbursements, sum ¥{total:,.2f}, {cards:,} distinct cards")
            db.session.commit()

            again, rerun, spent2 = import_file(town, lead, payload)
            same = rerun.inserted == 0 and rerun.updated == 0 and rerun.unchanged == rows
            print(f"  again:  {again:7.2f} s  {rows / again:>9,.0f} rows/s  {again / rows * 1e6:6.1f} µs/row   "
                  f"inserted {rerun.inserted:,}, updated {rerun.updated:,}, unchanged {rerun.unchanged:,} — "
                  f"{'changed nothing' if same else 'CHANGED SOMETHING'}")
            print_phases(spent2, rows)
            n2 = db.session.execute(text("SELECT count(*) FROM disbursements")).scalar()
            db.session.commit()
            if n2 != n:
                print(f"    ROW COUNT CHANGED: {n:,} → {n2:,}")

            b2, runs2, _ = base()
            print(f"\nBaseline again: {b2:.2f} s (best of {repeat}: " + ", ".join(f"{r:.2f}" for r in runs2) + " s)")
            best_base = min(b1, b2)

            if not sqlite_path:
                print("\nFor subsidy_rules.py --reuse:")
                data.finish(town, lead, people)
            db.session.remove()
            db.engine.dispose()

    if prof:
        for key in ("cumulative", "tottime"):
            print(f"\ncProfile of the first import, top 15 by {key}:")
            out = io.StringIO()
            pstats.Stats(prof, stream=out).strip_dirs().sort_stats(key).print_stats(15)
            text_ = out.getvalue()
            print(text_[text_.index("   ncalls"):].rstrip())

    ratio = best_base / first
    return {"label": label, "rows": rows, "first": first, "again": again, "base": best_base, "ratio": ratio,
            "same": same, "profiled": bool(prof)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL4", PG_URL))
    parser.add_argument("--rows", type=int, default=1_000_000, help="payment rows on PostgreSQL (1,000,000)")
    parser.add_argument("--people", type=int, default=200_000, help="beneficiaries on PostgreSQL (200,000)")
    parser.add_argument("--sqlite-rows", type=int, default=100_000, help="payment rows on SQLite (100,000)")
    parser.add_argument("--sqlite-people", type=int, default=20_000, help="beneficiaries on SQLite (20,000)")
    parser.add_argument("--repeat", type=int, default=3, help="baseline runs, best is kept (3)")
    parser.add_argument("--profile", action="store_true", help="cProfile the PostgreSQL import")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()

    results = []
    if not args.no_postgres:
        data.reset_postgres(args.pg_url)
        results.append(measure("PostgreSQL", args.pg_url, None, args.people, args.rows, args.repeat, args.profile))
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory(prefix="jicai-bench-sqlite-") as tmp:
            path = os.path.join(tmp, "bench.db")
            results.append(measure("SQLite", f"sqlite:///{path}", path, args.sqlite_people, args.sqlite_rows,
                                   args.repeat, False))

    print("\nVerdict")
    for r in results:
        verdict = ("MET" if r["ratio"] >= TARGET_RATIO else "NOT MET") if r["label"] == "PostgreSQL" else "for information"
        note = " (profiled run: not comparable)" if r["profiled"] else ""
        print(f"  {r['label']}: {r['rows']:,} rows in {r['first']:.1f} s ({r['rows'] / r['first']:,.0f} rows/s); "
              f"baseline {r['base']:.2f} s; baseline ÷ import = {r['ratio']:.2f}× "
              f"(target ≥ {TARGET_RATIO}×) {verdict}{note}")
        print(f"    re-import of the same file: {r['again']:.1f} s ({r['again'] / r['base']:.1f}× baseline), "
              f"{'changed nothing — MET' if r['same'] else 'CHANGED SOMETHING — NOT MET'}")


if __name__ == "__main__":
    main()
