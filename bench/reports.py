"""Reports (一屏智报): the province's yearly reports on a synthetic province — time and peak memory of
each kind as PDF and as Excel, and the figures they print against the cockpit's.

On PostgreSQL (``postgresql://postgres@127.0.0.1:5432/bench_reports``, dropped and recreated) this
script builds the cockpit benchmark's synthetic province (bench/overview.py: the division table of 1
province, 11 cities, 90 counties, 1,360 townships, 20,000 villages through the regions machinery,
then the facts set-based, times ``--scale``; default 0.02 here, a small province's worth of facts),
rebuilds the summary table, and then, for each of the six kinds, renders the province's report of
the year (``reports.services.render_file``, what the job and ``flask report`` run) as PDF and as
Excel, timing each and measuring the peak of Python allocations (tracemalloc) and the process's
peak resident memory. It prints each report's size, pages and headline figures, and checks the
funds report's totals against the cockpit document (``overview.services.overview``).

Usage: .venv/bin/python bench/reports.py [--scale 0.02] [--reuse] [--pg-url URL]
"""
import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from overview import create_users, generate, load_regions, make_app, rebuild  # noqa: E402
from risk_scan import migrate, reset_postgres  # noqa: E402

PG_URL = "postgresql://postgres@127.0.0.1:5432/bench_reports"
KINDS = ("funds", "subsidies", "warnings", "inspections", "assets", "health")


def pages(body, workdir, name):
    path = Path(workdir) / name
    path.write_bytes(body)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    m = re.search(r"Pages:\s+(\d+)", info)
    return int(m.group(1)) if m else None


def reports(app, year, workdir):
    from backend.core.models import Region
    from backend.extensions import db
    from backend.overview import services as overview
    from backend.reports import periods, services
    out = {}
    with app.app_context():
        province = db.session.execute(db.select(Region).where(Region.level == "province")).scalar_one()
        period = periods.Period(str(year), year, tuple(range(1, 13)))
        cockpit = overview.overview(province, year)
        for kind in KINDS:
            for fmt in ("pdf", "xlsx"):
                tracemalloc.start()
                started = time.perf_counter()
                doc, body = services.render_file(kind, province, period, fmt, by="bench")
                spent = time.perf_counter() - started
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                rows = sum(len(t["rows"]) for t in doc["tables"])
                extra = f", {pages(body, workdir, f'{kind}.pdf')} pages" if fmt == "pdf" else ""
                print(f"  {kind:12s} {fmt:4s} {spent:6.1f} s  peak Python {peak / 2**20:6.1f} MiB  "
                      f"{len(body) / 1024:8.0f} KiB  {rows:,} rows{extra}")
                out[f"{kind}_{fmt}"] = {"s": round(spent, 2), "peak_mib": round(peak / 2**20, 1), "rows": rows}
                db.session.rollback()
            print("    figures:", json.dumps({k: str(v) for k, v in doc["totals"].items()}, ensure_ascii=False))
            if kind == "funds":
                for name, value in doc["totals"].items():
                    assert Decimal(value) == Decimal(cockpit["total"][name]), (name, value, cockpit["total"][name])
                print("    = the cockpit's 辖区 totals")
            if kind == "health":
                assert doc["totals"]["score"] == cockpit["health"]["score"]
                print("    = the cockpit's health index")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak resident memory of the process: {rss:.0f} MiB")
    out["max_rss_mib"] = round(rss)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.02, help="fact rows × this (1.0: the full province)")
    parser.add_argument("--year", type=int, default=None, help="default: this year")
    parser.add_argument("--reuse", action="store_true", help="keep the database of the last run")
    parser.add_argument("--pg-url", default=PG_URL)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="bench-reports-")
    if not args.reuse:
        reset_postgres(args.pg_url)
        migrate(args.pg_url)
    app = make_app(args.pg_url, workdir)
    if not args.reuse:
        print(f"== A synthetic province on {args.pg_url} (scale {args.scale})")
        load_regions(app)
        create_users(app)
        generate(args.pg_url, args.scale)
        rebuild(app)
    from backend.core import clock
    year = args.year or clock.today().year
    print(f"\n== The province's reports of {year}")
    results = reports(app, year, workdir)
    print("\n" + json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
