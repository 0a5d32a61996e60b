"""County import: a real county moving in — its project register and contract payments written
through the project importers' write path, against PostgreSQL's own COPY of the very same rows into
the very same tables.

On PostgreSQL (its own database ``jicai_bench_county`` next to TEST_DATABASE_URL's, dropped and
recreated; or ``--url``), this script

1. migrates an empty database (``flask_migrate.upgrade`` in-process) and builds a county with
   ``--townships`` townships of 10 villages each, a finance office per township and a county user,
2. prepares the checked rows the ``projects`` kind hands its writer (``--projects``, default
   100,000: every stage, dates for each stage reached, budget split over funding levels, contractor)
   and times ``bulk.write_projects`` + COMMIT — new ids drawn, every project's lifecycle chain built
   with its imported stages at their dates (hashes), a QR code each, COPY of projects, codes, events,
3. prepares the checked rows of the ``project_payments`` kind (``--payments``, default 1,000,000,
   spread over the projects past the contract) and times ``bulk.write_payments`` + COMMIT — COPY of
   the payments, one ``payments_imported`` event per project appended to its chain, the chain heads
   updated (COPY into a temporary table + one UPDATE … FROM),
4. dumps exactly the rows the importer wrote (COPY … TO STDOUT, not timed), deletes them, and times
   ``COPY … FROM STDIN`` of those bytes into the same tables (same indexes, same constraints) in one
   transaction — best of ``--repeat``; the chain-head UPDATE is not in the baseline (COPY cannot
   update), so the importer does strictly more,
5. checks a sample of chains with ``lifecycle.verify`` (not timed) and prints the figures.

Verdict: COPY time ÷ importer write time ≥ 0.5 (the importer's write at most twice COPY's time).
No assertion: the figures are printed.

Usage: .venv/bin/python bench/county_import.py [--projects 100000] [--payments 1000000] [--townships 20]
       [--url postgresql://postgres@127.0.0.1:5432/jicai_bench_county] [--repeat 2]
"""
import argparse
import os
import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import copy_rows  # noqa: E402 (bench/, beside this script)

TARGET = 0.5
TABLES = ("projects", "qr_codes", "lifecycle_events", "project_payments")  # FK order for loading
CONTRACTORS = ["杭州临安城建工程有限公司", "浙江天目建设集团有限公司", "杭州锦城市政园林有限公司",
               "临安区青山湖水利建设有限公司", "浙江昌化路桥工程有限公司", "杭州於潜建筑工程有限公司"]
LEVELS = ("province", "city", "county")


def database_url(args):
    if args.url:
        return args.url
    base = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    return base.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/jicai_bench_county"


def recreate(url):
    import psycopg
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")


def build_county(db, townships):
    from backend.core.models import Region, User
    from backend.projects.models import Unit
    county = Region(code="339900000000", name="基准县", level="county", path="/339900000000/")
    db.session.add(county)
    db.session.flush()
    user = User(username="bench_county", display_name="基准县财政局", role="county", password_hash="x",
                region_id=county.id)
    db.session.add(user)
    towns = []
    for t in range(townships):
        code = f"339900{t + 1:03d}000"
        town = Region(code=code, name=f"第{t + 1}镇", level="township", parent_id=county.id,
                      path=f"{county.path}{code}/")
        db.session.add(town)
        db.session.flush()
        villages = []
        for v in range(10):
            vcode = f"339900{t + 1:03d}{v + 1:03d}"
            village = Region(code=vcode, name=f"第{t + 1}镇{v + 1}村", level="village", parent_id=town.id,
                             path=f"{town.path}{vcode}/")
            db.session.add(village)
            villages.append(village)
        unit = Unit(name=f"第{t + 1}镇财政所", kind="乡镇财政所", region_id=town.id)
        db.session.add(unit)
        db.session.flush()
        towns.append((town, villages, unit))
    db.session.commit()
    return user, towns


def project_rows(n, towns, rng):
    """What ProjectImporter.check hands the writer, for ``n`` projects across every stage."""
    from backend.projects.services import STAGES
    rows = []
    start = date(2023, 1, 1)
    for i in range(n):
        town, villages, unit = towns[i % len(towns)]
        place = villages[i % len(villages)] if i % 5 else town
        stage = STAGES[i % len(STAGES)]
        day = start + timedelta(days=rng.randrange(0, 900))
        dates = {}
        for s in STAGES[:STAGES.index(stage) + 1]:
            dates[s] = day
            day += timedelta(days=rng.randrange(5, 40))
        budget = Decimal(rng.randrange(20, 800)) * 10000
        split = [budget * Decimal("0.5"), budget * Decimal("0.2")]
        split.append(budget - sum(split))
        contracted = STAGES.index(stage) >= STAGES.index("contracted")
        rows.append({
            "existing": None, "ref_no": f"BENCH-{i:07d}", "name": f"{place.name}基准工程{i}", "category": "道路交通",
            "unit_id": unit.id, "unit_name": unit.name, "region_id": place.id, "region_code": place.code,
            "budget": budget, "funding_sources": [{"source": f"{lv}资金", "level": lv, "amount": str(a)}
                                                  for lv, a in zip(LEVELS, split)],
            "contractor": CONTRACTORS[i % len(CONTRACTORS)] if contracted else None, "contractor_uscc": None,
            "contract_amount": budget * Decimal("0.95") if contracted else None,
            "planned_start_on": dates["approved"] + timedelta(days=30), "planned_end_on": dates["approved"] + timedelta(days=400),
            "stage": stage, "stage_dates": dates})
    return rows


def payment_rows(n, db, rng):
    from sqlalchemy import select

    from backend.projects.models import Project
    from backend.projects.services import PAYABLE_STAGES
    payable = db.session.execute(select(Project.id, Project.contractor).where(
        Project.stage.in_(PAYABLE_STAGES), Project.ref_no.startswith("BENCH-")).order_by(Project.id)).all()
    rows = []
    for k in range(n):
        pid, contractor = payable[k % len(payable)]
        rows.append({"existing": None, "project_id": pid, "paid_on": date(2025, 1, 1) + timedelta(days=k % 600),
                     "amount": Decimal(rng.randrange(100, 500000)) / 100, "payee": contractor,
                     "voucher_no": f"记-{k:08d}", "funding_source": "省级资金"})
    return rows, len(payable)


def dump(conn, table, batch_id, since):
    """The rows the importer wrote into ``table``, as COPY text."""
    where = {"projects": f"batch_id = {batch_id}", "project_payments": f"batch_id = {batch_id}",
             "qr_codes": f"subject_type = 'project' AND id > {since['qr_codes']}",
             "lifecycle_events": f"id > {since['lifecycle_events']}"}[table]
    return copy_rows.dump(conn, f"SELECT * FROM {table} WHERE {where} ORDER BY id"), where


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--payments", type=int, default=1_000_000)
    parser.add_argument("--townships", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--url")
    args = parser.parse_args()
    url = database_url(args)
    recreate(url)

    from flask_migrate import upgrade
    from sqlalchemy import func, select, text

    from backend import create_app
    from backend.extensions import db
    from backend.projects import bulk, lifecycle
    from backend.projects.models import LifecycleEvent, Project
    from backend.qrcodes.models import QrCode

    app = create_app({"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1),
                      "TESTING": True})
    rng = random.Random(11)
    with app.app_context(), app.test_request_context(method="POST"):
        upgrade(directory=str(ROOT / "migrations"))
        user, towns = build_county(db, args.townships)
        since = {"qr_codes": db.session.scalar(select(func.coalesce(func.max(QrCode.id), 0))),
                 "lifecycle_events": db.session.scalar(select(func.coalesce(func.max(LifecycleEvent.id), 0)))}
        # Import runs are ImportRun rows once the engine is in; here the batch ids are just numbers.
        batch_projects, batch_payments = 900001, 900002

        t0 = time.perf_counter()
        rows = project_rows(args.projects, towns, rng)
        t_prepare_projects = time.perf_counter() - t0
        t0 = time.perf_counter()
        counts_p = bulk.write_projects(rows, batch_projects, user, lambda *a: None)
        db.session.commit()
        t_projects = time.perf_counter() - t0
        del rows

        t0 = time.perf_counter()
        pays, payable = payment_rows(args.payments, db, rng)
        t_prepare_payments = time.perf_counter() - t0
        t0 = time.perf_counter()
        counts_pay = bulk.write_payments(pays, batch_payments, user, lambda *a: None)
        db.session.commit()
        t_payments = time.perf_counter() - t0
        del pays

        sample = db.session.execute(select(Project).where(Project.ref_no.startswith("BENCH-"))
                                    .order_by(func.random()).limit(200)).scalars().all()
        broken = sum(1 for p in sample if lifecycle.verify(p))
        events = db.session.scalar(select(func.count()).select_from(LifecycleEvent).where(LifecycleEvent.id > since["lifecycle_events"]))
        imported = db.session.scalar(select(func.count()).select_from(LifecycleEvent).where(
            LifecycleEvent.id > since["lifecycle_events"], LifecycleEvent.kind == "stage_changed"))
        db.session.commit()
    with app.app_context():
        db.engine.dispose()

    # The baseline: the same rows, COPY'd into the same tables.
    import psycopg
    with psycopg.connect(url) as conn:
        dumps = {}
        for table in TABLES:
            batch = batch_payments if table == "project_payments" else batch_projects
            dumps[table] = dump(conn, table, batch, since)
        conn.commit()
        sizes = {t: len(d[0]) for t, d in dumps.items()}
        runs = []
        for _ in range(args.repeat):
            with conn.cursor() as cur:
                for table in reversed(TABLES):
                    cur.execute(f"DELETE FROM {table} WHERE {dumps[table][1]}")
            conn.commit()
            t0 = time.perf_counter()
            with conn.cursor() as cur:
                for table in TABLES:
                    copy_rows.load(cur, table, dumps[table][0])
            conn.commit()
            runs.append(time.perf_counter() - t0)
    t_copy = min(runs)
    t_import = t_projects + t_payments
    ratio = t_copy / t_import
    print(f"PostgreSQL {url.rsplit('/', 1)[1]}: {args.projects:,} projects ({args.townships} townships), "
          f"{args.payments:,} payments over {payable:,} projects past the contract")
    print(f"  rows written: projects {counts_p[0]:,}, lifecycle events {events:,} ({imported:,} imported stage moves), "
          f"codes {counts_p[0]:,}, payments {counts_pay[0]:,}")
    print(f"  COPY bytes: " + ", ".join(f"{t} {sizes[t] / 1e6:.1f} MB" for t in TABLES))
    print(f"  prepared rows (not timed): projects {t_prepare_projects:.1f} s, payments {t_prepare_payments:.1f} s")
    print(f"  importer write path: projects {t_projects:.2f} s + payments {t_payments:.2f} s = {t_import:.2f} s")
    print(f"  PostgreSQL COPY of the same rows into the same tables: {t_copy:.2f} s "
          f"(runs: {', '.join(f'{r:.2f}' for r in runs)})")
    print(f"  chains verified: {len(sample) - broken}/{len(sample)} sampled projects intact")
    print(f"  ratio COPY ÷ importer = {ratio:.2f} (target ≥ {TARGET}): {'MET' if ratio >= TARGET else 'NOT MET'}")


if __name__ == "__main__":
    main()
