"""Regions import: a province's official division table (统计用区划代码) loaded through the importer,
against PostgreSQL's own COPY of the very same rows into the very same table.

On PostgreSQL (``postgresql://postgres@127.0.0.1:5432/jicai_bench_regions``, dropped and recreated)
this script

1. migrates an empty database with the real CLI (``flask --app wsgi db upgrade``),
2. writes the province's table as clerks have it — a title row, then code, name and level words
   (省/市/县/乡/村) — for 1 province, 11 cities, 90 counties, 1,360 townships and 20,000 villages
   (``--villages``), as a UTF-8 CSV,
3. ``--repeat`` times, each round into empty tables (``TRUNCATE regions CASCADE`` before it, not
   timed): times ``load_table`` + COMMIT (the ``flask regions-import`` path: every row checked, the
   tree built from the codes, paths written, history kept), then dumps exactly the rows it wrote
   (COPY … TO STDOUT, not timed) and times ``COPY … FROM STDIN`` of those bytes into ``regions`` and
   ``region_changes`` emptied the same way inside a transaction that is rolled back (same indexes and
   constraints). The two alternate so that both meet the same load on a shared machine; the best
   of each is compared,
4. loads the same file again and checks that nothing changed (the idempotency the clerk relies on).

The ORM's mappers are configured before the first timed load (once per process, as a worker has
them from its first request; not part of an import).

Verdict: COPY time ÷ importer time ≥ 0.5 (the import at most twice COPY's time). No assertion: the
figures are printed.

Usage: .venv/bin/python bench/regions_import.py [--villages 20000] [--repeat 3]
"""
import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from risk_scan import connect, migrate, reset_postgres, sqlalchemy_url  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_URL = "postgresql://postgres@127.0.0.1:5432/jicai_bench_regions"
CITIES, COUNTIES, TOWNSHIPS = 11, 90, 1360
TARGET = 0.5
TABLES = ("regions", "region_changes")  # what the importer writes, in foreign-key order


def division_table(villages):
    """The CSV a province's statistics office publishes: title, header, one row per region."""
    rows = ["浙江省2026年统计用区划代码和城乡划分代码,,", "统计用区划代码,名称,层级",
            "330000000000,浙江省,省"]
    cities = [f"33{c:02d}00000000" for c in range(1, CITIES + 1)]
    rows += [f"{code},基准市{i + 1},市" for i, code in enumerate(cities)]
    counties = [f"{cities[k % CITIES][:4]}{k // CITIES + 1:02d}000000" for k in range(COUNTIES)]
    rows += [f"{code},基准县{k + 1},县" for k, code in enumerate(counties)]
    towns = [f"{counties[t % COUNTIES][:6]}{t // COUNTIES + 1:03d}000" for t in range(TOWNSHIPS)]
    rows += [f"{code},基准乡镇{t + 1},乡" for t, code in enumerate(towns)]
    rows += [f"{towns[v % TOWNSHIPS][:9]}{v // TOWNSHIPS + 201:03d},基准村{v + 1},村" for v in range(villages)]
    return ("\n".join(rows) + "\n").encode("utf-8"), len(rows) - 2


def load(app, data):
    from backend.cli import OPERATOR
    from backend.extensions import db
    from backend.regions.services import load_table
    with app.app_context():
        started = time.perf_counter()
        report, counts, _ = load_table("division.csv", data, None, OPERATOR)
        if counts is None:
            sys.exit(f"refused: {report.errors[:3]}")
        db.session.commit()
        return time.perf_counter() - started, counts


def empty(url):
    """Empty tables for the next round (the regions and everything that may point at them)."""
    conn = connect(url)
    conn.execute("TRUNCATE regions CASCADE")
    conn.close()


def copy_baseline(url):
    """Dump what the importer wrote (the regions and their history rows), then time COPY of those
    bytes back into the same tables, emptied inside a transaction that is then rolled back."""
    conn = connect(url)
    dumps = {}
    for table in TABLES:
        out = io.BytesIO()
        with conn.cursor().copy(f"COPY {table} TO STDOUT") as copy:
            for chunk in copy:
                out.write(chunk)
        dumps[table] = out.getvalue()
    conn.execute("BEGIN")
    # (TRUNCATE, not DELETE: the importer wrote into empty tables, and DELETE would leave the dead
    # rows for COPY's unique checks to step over, and takes minutes checking ~60 foreign keys per row)
    conn.execute("TRUNCATE regions CASCADE")
    started = time.perf_counter()
    for table in TABLES:
        with conn.cursor().copy(f"COPY {table} FROM STDIN") as copy:
            copy.write(dumps[table])
    elapsed = time.perf_counter() - started
    conn.execute("ROLLBACK")
    conn.close()
    return elapsed, sum(map(len, dumps.values()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villages", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pg-url", default=PG_URL)
    args = parser.parse_args()
    reset_postgres(args.pg_url)
    migrate(sqlalchemy_url(args.pg_url))
    from backend import create_app
    app = create_app({"SQLALCHEMY_DATABASE_URI": sqlalchemy_url(args.pg_url), "QUEUE_URL": "memory://",
                      "SECRET_KEY": "bench-" * 8})
    from sqlalchemy.orm import configure_mappers
    configure_mappers()
    data, n = division_table(args.villages)
    importer, copy = [], []
    for round_ in range(args.repeat):
        if round_:
            empty(args.pg_url)
        seconds, (added, updated, unchanged) = load(app, data)
        importer.append(seconds)
        baseline, size = copy_baseline(args.pg_url)
        copy.append(baseline)
        print(f"round {round_ + 1}: importer {seconds:.2f} s ({added:,} added), COPY {baseline:.2f} s")
    seconds = min(importer)
    print(f"importer: {n:,} regions in {seconds:.2f} s ({n / seconds:,.0f} rows/s), best of {args.repeat}")
    again, counts = load(app, data)
    print(f"the same table again: {counts[0]} added, {counts[1]} changed, {counts[2]:,} unchanged in {again:.2f} s")
    print(f"COPY of the same rows ({size / 1e6:.1f} MB) into regions and region_changes: {min(copy):.2f} s "
          f"(best of {args.repeat})")
    ratio = min(copy) / seconds
    print(f"ratio COPY ÷ importer: {ratio:.2f} (target ≥ {TARGET}) — {'MET' if ratio >= TARGET else 'NOT MET'}")


if __name__ == "__main__":
    main()
