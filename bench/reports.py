"""Reports (一屏智报): the province's yearly reports on a synthetic province — time and peak memory of
each kind as PDF and as Excel, and the figures they print against the cockpit's.

On PostgreSQL (``postgresql://postgres@127.0.0.1:5432/bench_reports``, dropped and recreated) this
script builds the cockpit benchmark's synthetic province (bench/overview.py: the division table of 1
province, 11 cities, 90 counties, 1,360 townships, 20,000 villages through the regions machinery,
then the facts set-based, times ``--scale``; default 0.02 here, a small province's worth of facts),
rebuilds the summary table, and then, for each of the six kinds, renders the province's report of
the year (``reports.services.render_file``, what the job and ``flask report`` run) as PDF and as
Excel, each in a forked child process so that its time and its own peak resident memory (``wait4``)
are measured alone. It prints each report's size, pages and headline figures, and checks the
funds report's totals against the cockpit document (``overview.services.overview``).

Usage: .venv/bin/python bench/reports.py [--scale 0.005] [--kinds funds,health] [--reuse] [--pg-url URL]
"""
import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
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


def render_in_child(app, kind, fmt, year, workdir):
    """Render one report in a forked child: its time, its own peak resident memory (``wait4``), and
    what it printed (size, rows, pages, headline figures) through a pipe."""
    import os
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            from backend.core.models import Region
            from backend.extensions import db
            from backend.reports import periods, services
            with app.app_context():
                db.engine.dispose(close=False)  # the parent's pooled connections are not the child's
                province = db.session.execute(db.select(Region).where(Region.level == "province")).scalar_one()
                started = time.perf_counter()
                doc, body = services.render_file(kind, province, periods.Period(str(year), year, tuple(range(1, 13))),
                                                 fmt, by="bench")
                spent = time.perf_counter() - started
                out = {"s": round(spent, 2), "kib": round(len(body) / 1024), "rows": sum(len(t["rows"]) for t in doc["tables"]),
                       "pages": pages(body, workdir, f"{kind}.{fmt}") if fmt == "pdf" else None,
                       "totals": {k: str(v) for k, v in doc["totals"].items()}}
            os.write(write, json.dumps(out).encode())
        finally:
            os._exit(0)
    os.close(write)
    chunks = []
    while True:
        chunk = os.read(read, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read)
    _, _, usage = os.wait4(pid, 0)
    out = json.loads(b"".join(chunks) or b"{}")
    out["max_rss_mib"] = round(usage.ru_maxrss / 1024)
    return out


def reports(app, year, workdir, kinds):
    from backend.core.models import Region
    from backend.extensions import db
    from backend.overview import services as overview
    with app.app_context():
        province = db.session.execute(db.select(Region).where(Region.level == "province")).scalar_one()
        cockpit = overview.overview(province, year)
        db.session.remove()
    out = {}
    for kind in kinds:
        for fmt in ("pdf", "xlsx"):
            r = render_in_child(app, kind, fmt, year, workdir)
            out[f"{kind}_{fmt}"] = {k: v for k, v in r.items() if k != "totals"}
            extra = f", {r['pages']} pages" if r.get("pages") else ""
            print(f"  {kind:12s} {fmt:4s} {r['s']:7.1f} s  peak RSS {r['max_rss_mib']:5d} MiB  {r['kib']:7d} KiB  "
                  f"{r['rows']:,} rows{extra}", flush=True)
        print("    figures:", json.dumps(r["totals"], ensure_ascii=False), flush=True)
        if kind == "funds":
            for name, value in r["totals"].items():
                assert Decimal(value) == Decimal(cockpit["total"][name]), (name, value, cockpit["total"][name])
            print("    = the cockpit's 辖区 totals", flush=True)
        if kind == "health":
            assert Decimal(r["totals"]["score"]) == Decimal(cockpit["health"]["score"])
            print("    = the cockpit's health index", flush=True)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.005, help="fact rows × this (1.0: the full province)")
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated kinds (default: all six)")
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
    results = reports(app, year, workdir, [k for k in args.kinds.split(",") if k])
    print("\n" + json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
