"""Overview (一站监管): what the cockpit costs at province scale, each figure against a baseline
measured in the same run.

On PostgreSQL (``postgresql://postgres@127.0.0.1:5432/bench_ovbench``, dropped and recreated) this
script

1. migrates an empty database with the real CLI (``flask --app wsgi db upgrade``),
2. loads a synthetic province through the regions machinery (``regions.services.load_table`` on a
   generated division table: 1 province, 11 cities, 90 counties, 1,360 townships, 20,000 villages),
3. generates the facts with set-based SQL (deterministic, ``hashtext``): per township 10 budget lines
   with their allocations and expenditures, 100,000 projects with 2 payments each, 1,000,000
   subsidy payments (with their policies and beneficiaries), 200,000 risk warnings and 20,000 assets
   — all times ``--scale`` (default 0.1: a few minutes on a small machine), then ``VACUUM ANALYZE``,
4. times ``summary.rebuild()`` (the full rebuild) and, inside it, ``figures.compute()`` alone (the
   only part that reads the facts),
5. times the province's document from the summary (``services.overview``, not cached) against the
   same figures by GROUP BY over the facts (``figures.compute()`` of every region, added up to the
   province and its cities), and checks that every figure is identical,
6. starts one gunicorn with production settings (2 workers × 4 threads) and loads ``GET /api/v1/hello``,
   the province user's ``GET /api/v1/overview/<province>`` and ``GET /api/v1/auth/me`` (the cheapest
   signed-in answer) at 8 concurrent connections, in turn, three times,
   and prints req/s, p50, p99, the CPU seconds per request of the workers and their PostgreSQL
   backends (from /proc), and the ratios by throughput and by cost,
7. imports a county's budget-line file through the import engine (``engine.run("funds", …)``, 2,000
   rows) and times ``summary.refresh([county])`` after it against the import's own time.

The machine is small and shared: the verdicts are on ratios within the run — summary vs GROUP BY
(target ≥ 50×), the overview against hello (target ≥ 0.25×, judged by cost: a run's req/s depends on
how the connections fell between the two workers) and the overview's p99 (target ≤ 100 ms);
the rebuild and the refresh are printed for information (the refresh against the import).

Usage: .venv/bin/python bench/overview.py [--scale 0.1] [--duration 5] [--rounds 3] [--reuse] [--pg-url URL]
"""
import argparse
import csv
import io
import json
import statistics
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from risk_scan import H, connect, county_of, migrate, reset_postgres, sqlalchemy_url  # noqa: E402
from scan_vs_hello import CONNECTIONS, Meter, combine, gunicorn, load  # noqa: E402

PG_URL = "postgresql://postgres@127.0.0.1:5432/bench_ovbench"
CITIES, COUNTIES, TOWNSHIPS, VILLAGES = 11, 90, 1360, 20000
FULL = {"funds_per_township": 10, "projects": 100_000, "payments": 1_000_000, "warnings": 200_000,
        "assets": 20_000}
IMPORT_ROWS = 2_000
USERNAME, ADMIN, PASSWORD = "bench_province", "bench_admin", "Bench@2026x"
TARGET_FACTOR, TARGET_RATIO, TARGET_P99_MS = 50.0, 0.25, 100.0


# ---------------------------------------------------------------------------------------------
# The province: a division table through the regions machinery
# ---------------------------------------------------------------------------------------------

def spread(total, parts):
    """``total`` split into ``parts`` whole numbers differing by at most one."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def division_table():
    """CSV bytes: 区划代码, 名称 for the whole province (levels follow from the codes)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["区划代码", "名称"])
    writer.writerow(["330000000000", "基准省"])
    counties = spread(COUNTIES, CITIES)
    towns = iter(spread(TOWNSHIPS, COUNTIES))
    villages = iter(spread(VILLAGES, TOWNSHIPS))
    for c in range(1, CITIES + 1):
        writer.writerow([f"33{c:02d}00000000", f"基准{c}市"])
        for k in range(1, counties[c - 1] + 1):
            county = f"33{c:02d}{k:02d}"
            writer.writerow([f"{county}000000", f"基准{c}-{k}县"])
            for t in range(1, next(towns) + 1):
                writer.writerow([f"{county}{t:03d}000", f"基准{c}-{k}县{t}镇"])
                for v in range(1, next(villages) + 1):
                    writer.writerow([f"{county}{t:03d}{v:03d}", f"基准{c}-{k}县{t}镇{v}村"])
    return out.getvalue().encode()


def load_regions(app):
    from backend.extensions import db
    from backend.regions import services
    with app.app_context():
        report, counts, _ = services.load_table("浙江省区划.csv", division_table())
        assert counts is not None, report.__dict__
        db.session.commit()
        return counts


def make_app(url, storage_dir):
    from backend import create_app
    return create_app({"SQLALCHEMY_DATABASE_URI": sqlalchemy_url(url), "STORAGE_DIR": storage_dir,
                       "QUEUE_URL": "memory://"})  # jobs queued, none run: each step is timed alone


def create_users(app):
    """The province supervisor (the HTTP load) and an administrator (the county's import)."""
    from backend.core.auth import hash_password
    from backend.core.models import Region, User
    from backend.extensions import db
    with app.app_context():
        province = db.session.execute(db.select(Region).where(Region.level == "province")).scalar_one()
        for username, role in ((USERNAME, "province"), (ADMIN, "admin")):
            db.session.add(User(username=username, display_name=role, role=role,
                                password_hash=hash_password(PASSWORD), region_id=province.id))
        db.session.commit()


# ---------------------------------------------------------------------------------------------
# The facts, set-based
# ---------------------------------------------------------------------------------------------

def fact_steps(scale):
    n = {k: max(1, int(v * scale)) for k, v in FULL.items()}
    funds_per = max(1, round(FULL["funds_per_township"] * max(scale, 0.1)))
    day = "(current_date - ({x} % 330)::int)"
    return [
        ("places", f"""
            CREATE TABLE bench_towns AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM regions
              WHERE level = 'township';
            CREATE TABLE bench_villages AS SELECT row_number() OVER (ORDER BY v.id) - 1 AS n, v.id, v.parent_id,
                     {county_of('v.id')} AS county_id
              FROM regions AS v WHERE v.level = 'village';
            CREATE UNIQUE INDEX ON bench_towns (n); CREATE UNIQUE INDEX ON bench_villages (n);
            INSERT INTO units (name, kind, region_id, created_at)
              SELECT '财政所' || id, '乡镇财政所', id, now() FROM bench_towns;"""),
        (f"funds ({funds_per} per township)", f"""
            INSERT INTO funds (region_id, doc_no, name, category, source_level, amount, issued_on, arrived_on,
                               created_at, updated_at)
              SELECT t.id, '浙财〔2026〕' || g || '号', '基准资金' || g,
                     (ARRAY['general_transfer','special_transfer','own'])[1 + {H('t.id * 100 + g', 'cat')} % 3],
                     (ARRAY['central','province','city','county'])[1 + {H('t.id * 100 + g', 'lvl')} % 4],
                     round(50000 + ({H('t.id * 100 + g', 'amt')} % 500000000) / 100.0, 2),
                     {day.format(x=H('t.id * 100 + g', 'issued'))} - 20,
                     CASE WHEN {H('t.id * 100 + g', 'arr')} % 10 = 0 THEN NULL
                          ELSE {day.format(x=H('t.id * 100 + g', 'issued'))} - 20
                               + ({H('t.id * 100 + g', 'late')} % 20)::int END, now(), now()
              FROM bench_towns t, generate_series(1, {funds_per}) g;
            INSERT INTO fund_allocations (fund_id, region_id, target, amount, allocated_on, created_at)
              SELECT id, region_id, 'own', round(amount * 0.6, 2), least(current_date, arrived_on + 5), now()
              FROM funds WHERE arrived_on IS NOT NULL;
            INSERT INTO fund_expenditures (fund_id, region_id, spent_on, amount, payee, voucher_no, created_at)
              SELECT id, region_id, least(current_date, arrived_on + 10 * k), round(amount * 0.25, 2),
                     '基准公司', '记-' || id || '-' || k, now()
              FROM funds, generate_series(1, 2) k WHERE arrived_on IS NOT NULL;"""),
        (f"projects ({n['projects']:,}) and their payments ({2 * n['projects']:,})", f"""
            INSERT INTO projects (ref_no, name, category, region_id, county_id, unit_id, stage, budget,
                                  funding_sources, planned_start_on, planned_end_on, progress_pct, created_at,
                                  updated_at, stage_changed_at, chain_head, event_count)
              SELECT 'BENCH-' || g, '基准项目' || g, '道路交通', v.id, v.county_id, u.id,
                     (ARRAY['approved','tendering','contracted','construction','acceptance','settlement',
                            'audit','archived'])[1 + {H('g', 'stage')} % 8],
                     round(100000 + ({H('g', 'budget')} % 490000000) / 100.0, 2), '[]'::json,
                     current_date - 200, current_date + 100 - ({H('g', 'end')} % 300)::int, 0, now(), now(),
                     now(), '', 0
              FROM generate_series(0, {n['projects']} - 1) g
              JOIN bench_villages v ON v.n = g % {VILLAGES}
              JOIN units u ON u.region_id = v.parent_id;
            INSERT INTO project_payments (project_id, county_id, amount, paid_on, payee, voucher_no, funding_source,
                                          created_at)
              SELECT p.id, p.county_id, round(p.budget * 0.2, 2), {day.format(x=H('p.id * 2 + k', 'paid'))}, '基准公司',
                     'PZ' || k, '省级专项资金', now()
              FROM projects p, generate_series(1, 2) k;"""),
        (f"subsidy payments ({n['payments']:,})", f"""
            INSERT INTO subsidy_policies (region_id, year, name, category, standard_amount, unit,
                                          excludes_public_employees, exclusive_with, created_at)
              SELECT id, extract(year FROM current_date)::int, '耕地地力保护补贴', '种粮补贴', 120, '亩', false,
                     '[]'::json, now() FROM regions WHERE level = 'county';
            INSERT INTO beneficiaries (region_id, county_id, name, id_enc, id_hash, id_mask, created_at, updated_at)
              SELECT v.id, v.county_id, '村民' || g, 'x', 'bench-' || g, '3301**********' || lpad((g % 10000)::text, 4, '0'),
                     now(), now()
              FROM generate_series(0, {max(1, n['payments'] // 5)} - 1) g
              JOIN bench_villages v ON v.n = g % {VILLAGES};
            CREATE TABLE bench_people AS SELECT row_number() OVER (ORDER BY b.id) - 1 AS n, b.id, b.region_id,
                     b.county_id, p.id AS policy_id
              FROM beneficiaries b JOIN regions v ON v.id = b.region_id JOIN regions t ON t.id = v.parent_id
              JOIN subsidy_policies p ON p.region_id = t.parent_id;
            CREATE UNIQUE INDEX ON bench_people (n); ANALYZE bench_people;
            INSERT INTO disbursements (region_id, county_id, policy_id, beneficiary_id, period, quantity, amount,
                                       status, paid_on, row_key)
              SELECT b.region_id, b.county_id, b.policy_id, b.id, 'P' || (g / {max(1, n['payments'] // 5)}), 1,
                     round(50 + ({H('g', 'amt')} % 200000) / 100.0, 2),
                     CASE WHEN {H('g', 'st')} % 100 < 95 THEN 'paid' WHEN {H('g', 'st')} % 100 < 98 THEN 'failed'
                          ELSE 'pending' END,
                     CASE WHEN {H('g', 'st')} % 100 < 95 THEN {day.format(x=H('g', 'paid'))} END,
                     'bench-' || g
              FROM generate_series(0, {n['payments']} - 1) g
              JOIN bench_people b ON b.n = g % {max(1, n['payments'] // 5)};"""),
        (f"warnings ({n['warnings']:,}) and assets ({n['assets']:,})", f"""
            INSERT INTO risk_warnings (rule_code, subject_key, subject_type, region_id, county_id, level, status,
                                       evidence, fingerprint, first_seen_at, last_seen_at)
              SELECT 'bench_rule', 'k' || g, 'project', v.id, v.county_id,
                     (ARRAY['red','orange','yellow'])[1 + {H('g', 'lvl')} % 3],
                     CASE WHEN {H('g', 'open')} % 10 < 6 THEN 'open' ELSE 'closed' END, '{{}}'::json, 'f',
                     now() - ({H('g', 'seen')} % 330) * interval '1 day', now()
              FROM generate_series(0, {n['warnings']} - 1) g JOIN bench_villages v ON v.n = g % {VILLAGES};
            INSERT INTO assets (region_id, name, category, original_value, net_value, status, status_changed_on,
                                created_at, updated_at)
              SELECT v.id, '资产' || g, '房屋', 200000, round(50000 + ({H('g', 'nv')} % 15000000) / 100.0, 2),
                     (ARRAY['在用','在用','在用','闲置','出租'])[1 + {H('g', 'st')} % 5], current_date, now(), now()
              FROM generate_series(0, {n['assets']} - 1) g JOIN bench_villages v ON v.n = g % {VILLAGES};"""),
    ]


def generate(url, scale):
    with connect(url) as conn:
        for label, sql in fact_steps(scale):
            started = time.perf_counter()
            conn.execute(sql)
            print(f"  {label}: {time.perf_counter() - started:.1f} s")
        conn.execute("VACUUM ANALYZE")
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("regions", "funds", "projects", "project_payments", "disbursements", "risk_warnings",
                            "assets")}
    print("  rows:", ", ".join(f"{t} {c:,}" for t, c in counts.items()))


# ---------------------------------------------------------------------------------------------
# In process: rebuild, summary vs GROUP BY, refresh after an import
# ---------------------------------------------------------------------------------------------

def timed(fn, repeat=1):
    best, result = None, None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        spent = time.perf_counter() - started
        best = spent if best is None else min(best, spent)
    return best, result


def province(db):
    from backend.core.models import Region
    return db.session.execute(db.select(Region).where(Region.level == "province")).scalar_one()


def rebuild(app):
    from backend.extensions import db
    from backend.overview import figures, summary
    from backend.overview.models import RegionFigure
    with app.app_context():
        compute, values = timed(figures.compute)
        db.session.rollback()
        whole, _ = timed(lambda: (summary.rebuild(), db.session.commit()))
        rows = db.session.query(RegionFigure).count()
    print(f"\nRebuild (summary.rebuild + commit): {whole:.1f} s for {rows:,} summary rows "
          f"({len(values):,} own values); of it reading the facts (figures.compute) {compute:.1f} s, "
          f"writing and rolling up {whole - compute:.1f} s")
    return {"rebuild_s": whole, "compute_s": compute, "rows": rows}


def from_facts(region, year):
    """The province's 辖区 figures and its children's, by GROUP BY over the fact tables."""
    from backend.core.models import Region
    from backend.extensions import db
    from backend.overview import figures
    children = dict(db.session.execute(db.select(Region.code, Region.id).where(Region.parent_id == region.id)).all())
    depth = region.path.count("/")  # the child's code is the next one in a path under the region
    child_of = {i: children.get(path.split("/")[depth]) for i, path in db.session.execute(
        db.select(Region.id, Region.path).where(Region.path.startswith(region.path)))}
    totals = defaultdict(lambda: defaultdict(Decimal))
    for (region_id, y, _, name), value in figures.compute().items():
        if y in (year, 0):
            totals[region.id][name] += value
            if child_of[region_id] is not None:
                totals[child_of[region_id]][name] += value
    return totals


def summary_vs_facts(app, repeat):
    from backend.core import clock
    from backend.extensions import db
    from backend.overview import services
    from backend.overview.schemas import OverviewOut
    with app.app_context():
        top = province(db)
        top_id, year = top.id, clock.today().year
        summary_s, doc = timed(lambda: OverviewOut().dump(services.overview(top, year)), repeat)
        facts_s, totals = timed(lambda: from_facts(top, year), max(1, repeat // 5))
        db.session.rollback()
    wrong = [name for name, value in doc["total"].items()
             if Decimal(value) != Decimal(totals[top_id].get(name, 0)).quantize(Decimal("0.01"))]
    for child in doc["children"]:
        wrong += [f"{child['region']['name']}.{name}" for name, value in child["total"].items()
                  if Decimal(value) != Decimal(totals[child["region"]["id"]].get(name, 0)).quantize(Decimal("0.01"))]
    factor = facts_s / summary_s
    print(f"\nThe province's document (its figures, 11 cities side by side, health, trend), best of {repeat}:")
    print(f"  from the summary (services.overview, not cached): {summary_s * 1000:.1f} ms")
    print(f"  the same figures by GROUP BY over the facts:      {facts_s * 1000:.0f} ms")
    print(f"  summary {factor:.0f}× faster (target ≥ {TARGET_FACTOR:.0f}×) "
          f"{'MET' if factor >= TARGET_FACTOR else 'NOT MET'}; "
          f"figures identical: {'yes' if not wrong else 'NO — ' + ', '.join(wrong[:8])}")
    return {"summary_ms": summary_s * 1000, "facts_ms": facts_s * 1000, "factor": factor, "identical": not wrong}


def budget_file(county_name, towns, rows):
    from backend.core import clock
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["乡镇", "文号", "资金名称", "类别", "来源级次", "金额（元）", "下达日期", "到账日期"])
    today, tag = clock.today(), int(time.time()) % 1_000_000  # new rows in every run (--reuse too)
    for i in range(rows):
        town = towns[i % len(towns)]
        issued = today - timedelta(days=10 + i % 200)
        arrived = (issued + timedelta(days=i % 9)).isoformat() if i % 4 else ""
        writer.writerow([town, f"{county_name}财〔2026〕{tag}-{i}号", f"导入资金{i}", "专项转移支付", "县级",
                         f"{10000 + i * 7}.50", issued.isoformat(), arrived])
    return out.getvalue().encode()


def refresh_after_import(app, repeat):
    from backend.core.models import Region, User
    from backend.extensions import db
    from backend.imports import engine
    from backend.overview import summary
    with app.app_context():
        county = db.session.execute(db.select(Region).where(Region.level == "county").order_by(Region.code)
                                    .limit(1)).scalar_one()
        towns = db.session.execute(db.select(Region.name).where(Region.parent_id == county.id)).scalars().all()
        admin = db.session.execute(db.select(User).where(User.username == ADMIN)).scalar_one()
        data = budget_file(county.name, towns, IMPORT_ROWS)
        import_s, run = timed(lambda: (engine.run("funds", county, admin, "资金指标.csv", data), db.session.commit())[0])
        assert run.status == "accepted", (run.errors or [])[:3]
        subtree = db.session.query(Region).filter(Region.path.startswith(county.path)).count()
        refresh_s, _ = timed(lambda: (summary.refresh([county.id]), db.session.commit()), repeat)
        town_s, _ = timed(lambda: (summary.refresh([db.session.execute(db.select(Region.id).where(
            Region.parent_id == county.id).limit(1)).scalar()]), db.session.commit()), repeat)
    print(f"\nA county's budget-line file ({IMPORT_ROWS:,} rows, engine.run + commit): {import_s:.2f} s; then "
          f"summary.refresh of the county ({subtree} regions and the 2 above): {refresh_s:.2f} s "
          f"= {refresh_s / import_s:.2f}× the import (best of {repeat}); of one township: {town_s:.2f} s")
    return {"import_s": import_s, "refresh_s": refresh_s, "town_s": town_s}


# ---------------------------------------------------------------------------------------------
# Over HTTP
# ---------------------------------------------------------------------------------------------

def bearer_token(base):
    request = urllib.request.Request(f"{base}/api/v1/auth/token", method="POST",
                                     data=json.dumps({"username": USERNAME, "password": PASSWORD}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["access_token"]


def http(url, duration, warmup, workdir, province_id, rounds):
    """hello, the province's document and /auth/me through one gunicorn, ``rounds`` times in turn.
    Two ratios of the document against hello: by throughput (its req/s ÷ hello's, what the target
    names) and by cost (hello's CPU per request ÷ the document's, workers and PostgreSQL backends
    together). Throughput moves with how wrk's keep-alive connections fell between the two
    workers in each run (hello 2–3× run to run); cost does not, and on a machine bound by its
    CPU it is what the throughput ratio would be with the connections evenly spread. The verdict
    is on the cost."""
    storage = tempfile.mkdtemp(prefix="storage-", dir=workdir)
    log = Path(workdir) / "gunicorn-overview.log"
    meter = Meter(log, url)
    with gunicorn(url, storage, log) as base:
        auth = {"Authorization": f"Bearer {bearer_token(base)}"}
        hello, overview = f"{base}/api/v1/hello", f"{base}/api/v1/overview/{province_id}"
        me = f"{base}/api/v1/auth/me"
        with urllib.request.urlopen(urllib.request.Request(overview, headers=auth), timeout=60) as response:
            size = len(response.read())
        load(hello, warmup)
        load(overview, warmup, auth)
        runs = {"hello": [], "me": [], "overview": []}
        for _ in range(rounds):
            runs["hello"].append(meter.run(hello, duration))
            runs["overview"].append(meter.run(overview, duration, auth))
            runs["me"].append(meter.run(me, duration, auth))
    results = {k: combine(v) for k, v in runs.items()}
    for name, each in runs.items():
        results[name]["cpu_ms"] = statistics.median(r["cpu_ms"] for r in each)
    h, m, o = results["hello"], results["me"], results["overview"]
    print(f"\nOver HTTP — one gunicorn (2 workers × 4 threads, production settings), {CONNECTIONS} connections, "
          f"{duration} s per run, {rounds} rounds in turn; the province document is {size / 1024:.0f} KB")
    print(f"  {'endpoint':<34}{'req/s':>9}{'÷ hello':>9}{'p50 ms':>9}{'p99 ms':>9}{'CPU ms/req':>11}"
          f"{'hello ÷ it':>11}{'errors':>8}")
    for label, r in (("GET /hello", h), ("GET /auth/me (bearer)", m), ("GET /overview/<province> (bearer)", o)):
        print(f"  {label:<34}{r['rps']:>9.1f}{r['rps'] / h['rps']:>9.2f}{r['p50']:>9.2f}{r['p99']:>9.2f}"
              f"{r['cpu_ms']:>11.2f}{h['cpu_ms'] / r['cpu_ms']:>11.2f}{r['errors']:>8}")
    by_rps, by_cpu = o["rps"] / h["rps"], h["cpu_ms"] / o["cpu_ms"]
    print(f"  overview vs hello: by cost {by_cpu:.2f}, by throughput {by_rps:.2f} (target ≥ {TARGET_RATIO}) "
          f"{'MET' if by_cpu >= TARGET_RATIO else 'NOT MET'}; p99 {o['p99']:.1f} ms (target ≤ {TARGET_P99_MS:.0f} ms) "
          f"{'MET' if o['p99'] <= TARGET_P99_MS else 'NOT MET'}; overview/me by cost {m['cpu_ms'] / o['cpu_ms']:.2f} "
          "(me: the cheapest signed-in answer)")
    return {"hello": h, "me": m, "overview": o, "ratio": by_cpu, "ratio_rps": by_rps,
            "ratio_me": m["cpu_ms"] / o["cpu_ms"], "bytes": size}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1, help="fact rows × this (1.0: 1M subsidy payments)")
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--reuse", action="store_true", help="keep the database of the last run")
    parser.add_argument("--pg-url", default=PG_URL)
    args = parser.parse_args()
    url = args.pg_url
    workdir = tempfile.mkdtemp(prefix="bench-overview-")
    if not args.reuse:
        reset_postgres(url)
        migrate(url)
    app = make_app(url, workdir)
    if not args.reuse:
        print(f"== A synthetic province on {url} (scale {args.scale})")
        spent, counts = timed(lambda: load_regions(app))
        print(f"  regions through the division table (load_table): {spent:.1f} s, inserted {counts[0]:,}")
        create_users(app)
        generate(url, args.scale)
    results = {"rebuild": rebuild(app), "document": summary_vs_facts(app, args.repeat)}
    with app.app_context():
        from backend.extensions import db
        province_id = province(db).id
    results["http"] = http(url, args.duration, args.warmup, workdir, province_id, args.rounds)
    results["refresh"] = refresh_after_import(app, 3)
    print("\n" + json.dumps({k: {n: round(x, 3) if isinstance(x, float) else x for n, x in v.items()
                                 if not isinstance(x, dict)} for k, v in results.items()}, ensure_ascii=False))


if __name__ == "__main__":
    main()
