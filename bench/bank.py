"""一键直连 at scale: a batch of 100,000 payments built, written as the bank's file and its 100,000-line
return imported, against PostgreSQL's COPY of the same rows.

On PostgreSQL (``postgresql://postgres@127.0.0.1:5432/jicai_bench_bank``) this script

1. drops and migrates the database, makes one township with 20 villages, a policy, N beneficiaries
   (ID numbers and cards encrypted as the app does) and their notice (公示) posted 14 days earlier,
2. times, in-process with the clock pinned: ``build_batch`` (propose: every check per person, then
   the lines inserted) + submit + approve, ``export`` as the rural bank's GBK text file (every card
   and ID number decrypted) — then the simulator (tools/banksim.py, not timed) answers with 2 %
   failures — and ``import_return`` of the success and the failure file (every line matched and
   checked, the lines updated, a payment record written per person),
3. times the baseline: COPY of the same rows into the same two tables (their indexes, constraints,
   foreign keys and partitions), as bench/county_import.py does: N batch lines and N payment records
   dumped as COPY text, deleted, and COPY'd back — the best of --repeat runs,
4. prints the figures and the ratio baseline ÷ ours (target ≥ 0.3).

Usage: .venv/bin/python bench/bank.py [--people 100000] [--pg-url URL]
"""
import argparse
import os
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import copy_rows  # noqa: E402 (bench/, beside this script)
PG_URL = "postgresql://postgres@127.0.0.1:5432/jicai_bench_bank"
TARGET = 0.3
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)


def reset(url):
    import psycopg
    admin = url.rsplit("/", 1)[0] + "/postgres"
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def app_for(url):
    os.environ.update(QUEUE_URL="memory://", QUEUE_IMMEDIATE="0")  # jobs queue as in production
    from backend import create_app
    from backend.config import TestConfig
    settings = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    return create_app({**settings, "SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://"),
                       "STORAGE_DIR": "/tmp/jicai-bench-bank-storage", "QUEUE_IMMEDIATE": False})


def seed(app, n):
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from backend.core import pii
    from backend.core.models import Region, User
    from backend.extensions import db
    from backend.subsidies.models import Beneficiary, NoticeEntry, SubsidyPolicy
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        path = "/"
        parent = None
        for code, name, level in (("330000000000", "浙江省", "province"), ("330100000000", "杭州市", "city"),
                                  ("330112000000", "临安区", "county"), ("330112006000", "锦城街道", "township")):
            path += code + "/"
            r = Region(code=code, name=name, level=level, path=path, parent_id=parent)
            db.session.add(r)
            db.session.flush()
            parent = r.id
        township = parent
        villages = []
        for i in range(20):
            code = f"3301120060{i + 1:02d}"
            r = Region(code=code, name=f"第{i + 1}村", level="village", path=f"{path}{code}/", parent_id=township)
            db.session.add(r)
            db.session.flush()
            villages.append(r.id)
        users = {}
        for key, role in (("clerk", "clerk"), ("lead", "township_lead")):
            u = User(username=f"bench_{key}", display_name=key, role=role, password_hash="x", region_id=township)
            db.session.add(u)
            db.session.flush()
            users[key] = u.id
        policy = SubsidyPolicy(region_id=township, year=2026, name="耕地地力保护补贴", category="农业",
                               standard_amount=Decimal("125.50"), unit="元/亩", department="农业农村局")
        db.session.add(policy)
        db.session.flush()
        rows, notices = [], []
        for i in range(n):
            first = f"330112{1950 + i % 50}{1 + i // 50 % 12:02d}{1 + i // 600 % 28:02d}{i // 16800 % 1000:03d}"
            number = first + pii.id_check_char(first)
            card = f"6228{i:015d}"
            enc, h, mask = pii.seal(number, "id_number")
            cenc, ch, cmask = pii.seal(card, "bank_card")
            rows.append({"region_id": villages[i % 20], "name": f"村民{i}", "id_enc": enc, "id_hash": h,
                         "id_mask": mask, "card_enc": cenc, "card_hash": ch, "card_mask": cmask})
        for i in range(0, n, 5000):
            db.session.execute(insert(Beneficiary), rows[i:i + 5000])
        ids = db.session.execute(Beneficiary.__table__.select().with_only_columns(
            Beneficiary.id, Beneficiary.region_id)).all()
        notices = [{"region_id": r, "policy_id": policy.id, "beneficiary_id": b, "period": "2026-11",
                    "quantity": Decimal(1 + b % 7), "amount": Decimal("125.50") * (1 + b % 7),
                    "published_on": (NOW - timedelta(days=14)).date()} for b, r in ids]
        for i in range(0, len(notices), 5000):
            db.session.execute(insert(NoticeEntry), notices[i:i + 5000])
        db.session.commit()
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        return policy.id, users


def ours(app, policy_id, users):
    from backend.bank import services
    from backend.core.models import User
    from backend.extensions import db
    import importlib.util
    spec = importlib.util.spec_from_file_location("banksim", ROOT / "tools" / "banksim.py")
    banksim = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(banksim)
    figures = {}
    with app.app_context(), app.test_request_context(method="POST"):
        clerk, lead = db.session.get(User, users["clerk"]), db.session.get(User, users["lead"])
        t0 = time.perf_counter()
        batch = services.build_batch(clerk, policy_id, "2026-11")
        services.submit(batch, clerk)
        app.config["BANK_COUNTY_APPROVAL_ABOVE"] = Decimal("1e12")
        services.approve(batch, lead)
        db.session.commit()
        figures["build"] = time.perf_counter() - t0
        batch_id, count, total = batch.id, batch.count, batch.total
        t0 = time.perf_counter()
        data, _ = services.export(db.session.get(type(batch), batch_id), clerk, "rcb_text")
        db.session.commit()
        figures["export"] = time.perf_counter() - t0
        files = banksim.simulate(data, fail_rate=0.02, reasons=("AC04", "BE01", "AC01", "AC06"), seed=7)
        t0 = time.perf_counter()
        results = []
        for name in sorted(files):
            if name.endswith((".success.txt", ".failure.txt")):
                results.append(services.import_return(files[name], clerk, name))
                db.session.commit()
        figures["import"] = time.perf_counter() - t0
        # The same file again: nothing changes (and it is quick).
        t0 = time.perf_counter()
        again = services.import_return(files[sorted(files)[0]], clerk)
        figures["import_again"] = time.perf_counter() - t0
        db.session.rollback()
    return figures, count, total, len(data), results, again


def baseline(url, repeat):
    """COPY of the same rows into the same tables (their indexes, constraints, foreign keys and, for
    the payments, the year partitions), as bench/county_import.py measures it: the rows the run
    wrote are dumped as COPY text (not timed), deleted, and COPY'd back — best of ``repeat``."""
    import psycopg
    tables = ("disbursements", "batch_payments")  # in the order COPY fills them (a line names its record)
    with psycopg.connect(url) as conn:
        dumps, counts = {}, {}
        for table in tables:
            dumps[table] = copy_rows.dump(conn, f"SELECT * FROM {table} ORDER BY id")
            counts[table] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        conn.commit()
        runs = []
        for _ in range(repeat):
            for table in reversed(tables):
                conn.execute(f"DELETE FROM {table}")
            conn.commit()
            t0 = time.perf_counter()
            with conn.cursor() as cur:
                for table in tables:
                    copy_rows.load(cur, table, dumps[table])
            conn.commit()
            runs.append(time.perf_counter() - t0)
    return min(runs), counts["batch_payments"], counts["disbursements"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=100_000)
    ap.add_argument("--pg-url", default=PG_URL)
    ap.add_argument("--repeat", type=int, default=3, help="COPY baseline runs (the best is kept)")
    args = ap.parse_args()
    from backend.core import clock
    clock.freeze(NOW)
    reset(args.pg_url)
    app = app_for(args.pg_url)
    t0 = time.perf_counter()
    policy_id, users = seed(app, args.people)
    print(f"seeded {args.people:,} beneficiaries and their notice in {time.perf_counter() - t0:.1f} s")
    figures, count, total, size, results, again = ours(app, policy_id, users)
    copy, n_bp, n_ds = baseline(args.pg_url, args.repeat)
    work = figures["build"] + figures["export"] + figures["import"]
    print(f"batch: {count:,} payments, ¥{total:,}; bank file {size / 1e6:.1f} MB (GBK text)")
    for r in results:
        print(f"  return file: {r['lines']:,} lines → {r['counts']}")
    print(f"  the same file again: duplicate={again['duplicate']} in {figures['import_again'] * 1000:.0f} ms")
    print(f"build + submit + approve  {figures['build']:7.2f} s")
    print(f"export (write the file)   {figures['export']:7.2f} s")
    print(f"import the return files   {figures['import']:7.2f} s")
    print(f"ours, all three           {work:7.2f} s")
    print(f"COPY of the same rows     {copy:7.2f} s  ({n_bp:,} batch lines + {n_ds:,} payment records, "
          f"into the same tables, best of {args.repeat})")
    ratio = copy / work
    print(f"ratio COPY ÷ ours = {ratio:.2f}× (target ≥ {TARGET}×): {'MET' if ratio >= TARGET else 'NOT MET'}")


if __name__ == "__main__":
    main()
