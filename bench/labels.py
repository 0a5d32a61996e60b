"""Label sheet: how long a township's printable QR label sheet takes, cold and cached.

On a fresh SQLite file this script migrates (the real ``flask db upgrade``), loads the Lin'an demo
in-process, then adds projects to one township (锦城街道, as the county user ``linan_sup``) until its
subtree holds 1,000 projects, and commits. It then times
``backend.plaques.services.label_sheet(region, "project")`` inside a test request context:

* cold — STORAGE_DIR is a fresh, empty temp dir, so every QR symbol is drawn and stored;
* cached — the same call again: every symbol is read back from storage.

It prints seconds and labels/s for both, the cold/cached ratio and the size of the HTML. The
machine is noisy, so the cold/cached ratio (measured back to back) is the figure to compare between
runs, not the absolute seconds.

Usage: .venv/bin/python bench/labels.py [--projects 1000] [--township 锦城街道]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = ROOT / ".venv" / "bin"

USERNAME = "linan_sup"  # the demo's county user: may create projects in any township of 临安区


def migrate(url, storage_dir):
    env = {**os.environ, "DATABASE_URL": url, "STORAGE_DIR": storage_dir, "JICAI_ENV": "development",
               "QUEUE_URL": f"sqlite:///{storage_dir}/queue.db"}  # jobs queued (no worker), as in production
    result = subprocess.run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"flask db upgrade failed:\n{result.stdout}\n{result.stderr}")


def fill_township(township_name, target):
    """Load the demo, then add projects directly under the township until its subtree has ``target``.
    Returns (region, how many were added)."""
    from sqlalchemy import select

    from backend.core.models import Region, User
    from backend.demo import loader
    from backend.extensions import db
    from backend.projects import services as projects
    from backend.projects.models import Project, Unit
    from backend.regions.services import subtree_count

    loader.load()
    actor = db.session.execute(select(User).where(User.username == USERNAME)).scalar_one()
    region = db.session.execute(select(Region).where(Region.name == township_name,
                                                     Region.level == "township")).scalar_one()
    unit = db.session.execute(select(Unit).where(Unit.region_id == region.id)
                              .order_by(Unit.id)).scalars().first()
    have = subtree_count(region, Project)
    for n in range(have, target):
        projects.create_project(actor, {
            "region_id": region.id, "unit_id": unit.id, "ref_no": f"BENCH-{n + 1:05d}",
            "name": f"基准测试项目 {n + 1:04d} 号 农村公路提升改造工程", "category": "道路交通",
            "budget": Decimal("500000.00"),
            "funding_sources": [{"source": "区级配套资金", "amount": Decimal("500000.00")}]})
    db.session.commit()
    return region, target - have


def timed(fn):
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def stored_files(storage_dir):
    return sum(1 for path in Path(storage_dir).rglob("*") if path.is_file())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=1000, help="projects in the township (1000)")
    parser.add_argument("--township", default="锦城街道")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="jicai-labels-") as workdir:
        url = f"sqlite:///{Path(workdir) / 'labels.db'}"
        storage = Path(workdir) / "storage"  # does not exist yet: the cold run starts empty
        migrate(url, str(storage))

        from backend import create_app
        from backend.plaques.services import label_sheet, labels
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "STORAGE_DIR": str(storage), "QUEUE_URL": "memory://"})  # nothing queued for another database

        with app.app_context():
            (region, added), seconds = timed(lambda: fill_township(args.township, args.projects))
            print(f"setup: demo + {added} projects in {region.name} ({region.code}) in {seconds:.1f} s")

        with app.test_request_context():
            count = len(labels(region, "project"))
            cold_html, cold = timed(lambda: label_sheet(region, "project"))
            files = stored_files(storage)
            cached_html, cached = timed(lambda: label_sheet(region, "project"))

        assert cold_html == cached_html, "cached sheet differs from the cold one"
        print(f"labels: {count} project labels, {-(-count // 21)} A4 pages; "
              f"{files} QR symbols stored by the cold run")
        print(f"  {'run':<8}{'seconds':>9}{'labels/s':>11}")
        print(f"  {'cold':<8}{cold:>9.3f}{count / cold:>11.0f}")
        print(f"  {'cached':<8}{cached:>9.3f}{count / cached:>11.0f}")
        print(f"  cold/cached: {cold / cached:.1f}× ; HTML {len(cold_html.encode()):,} bytes "
              f"({len(cold_html.encode()) / count / 1024:.1f} KiB a label)")


if __name__ == "__main__":
    main()
