"""Benchmark: a 1,000,000-row payments export (issue 14) streams in constant memory.

1. PostgreSQL ``jicai_bench_export`` (dropped and re-created), migrated, the synthetic province's
   regions (bench/lists.py), then 100,000 subsidy payments, then up to 1,000,000;
2. in-process (``create_app`` and its test client, signed in as the province user), after each
   step the whole ``GET /api/v1/subsidies/disbursements/export?format=csv`` (and ``xlsx``) is read
   chunk by chunk as a browser would, and its time, the time to its first byte, size, rows, and the process's peak memory
   (``ru_maxrss``; with ``--tracemalloc`` also the peak of Python allocations during that export) are printed.
   Memory flat: the 1M export's peaks are those of the 100k one, not ten times them.

Usage: .venv/bin/python bench/export.py [--payments 1000000] [--formats csv,xlsx] [--tracemalloc]"""
import argparse
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lists import facts_sql, province_user, regions_sql, signed_in  # noqa: E402
from risk_scan import connect, migrate, reset_postgres, sqlalchemy_url  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_URL = "postgresql://postgres@127.0.0.1:5432/jicai_bench_export"


def export_once(client, fmt):
    if tracemalloc.is_tracing():
        tracemalloc.reset_peak()
    t0 = time.perf_counter()
    r = client.get(f"/api/v1/subsidies/disbursements/export?format={fmt}", buffered=False)
    assert r.status_code == 200, r.status_code
    size = lines = 0
    first_byte = None
    for chunk in r.response:
        if first_byte is None and chunk:
            first_byte = time.perf_counter() - t0
        size += len(chunk)
        if fmt == "csv":
            lines += chunk.count(b"\n")
    r.close()
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    return (seconds, first_byte, size, lines - 1 if fmt == "csv" else None, peak,
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=1_000_000)
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also trace Python allocations (exact peaks, but several times slower)")
    args = parser.parse_args()
    reset_postgres(args.pg_url)
    migrate(sqlalchemy_url(args.pg_url))
    conn = connect(args.pg_url)
    conn.execute(regions_sql())
    from backend import create_app
    app = create_app({"SQLALCHEMY_DATABASE_URI": sqlalchemy_url(args.pg_url), "QUEUE_URL": "memory://",
                      "SECRET_KEY": "bench-" * 8})
    province_user(app)
    if args.tracemalloc:
        tracemalloc.start()
    steps = [(1, 100_000), (100_001, args.payments)] if args.payments > 100_000 else [(1, args.payments)]
    print(f"{'rows':>10} {'format':>6} {'seconds':>8} {'1st byte':>8} {'rows/s':>8} {'MB out':>8} {'py peak MB':>11} "
          f"{'maxrss MB':>10}")
    for i, (first, last) in enumerate(steps):
        conn.execute(facts_sql(i + 1, i + 1, first, last))  # (one project a step: the SQL wants some)
        conn.execute("VACUUM ANALYZE")
        client = signed_in(app)
        for fmt in args.formats.split(","):
            seconds, first_byte, size, lines, peak, rss = export_once(client, fmt)
            print(f"{last:>10,} {fmt:>6} {seconds:8.1f} {first_byte:8.2f} {last / seconds:8.0f} {size / 1e6:8.1f} "
                  f"{peak / 1e6:11.1f} {rss / 1024:10.0f}" + (f"  ({lines:,} rows read back)" if lines is not None else ""),
                  flush=True)


if __name__ == "__main__":
    main()
