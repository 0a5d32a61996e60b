"""A 20 MB Excel file of payments imported from the browser's route, as a job: gunicorn takes the
upload and answers at once, a `flask worker` imports it, and the client polls the run's progress.

    .venv/bin/python bench/import_job.py [--mb 20] [--database postgresql://…/jicai_bench]

Builds a throw-away SQLite database (or resets the PostgreSQL database given) with the synthetic
township of ``subsidy_data.py`` (policies and beneficiaries imported in-process), writes a payments
``.xlsx`` of at least ``--mb`` MB, starts gunicorn (2 workers) and one worker on a SQLite queue in
the temp folder, signs in as the township lead, uploads the file to POST /api/v1/imports
and polls GET /api/v1/imports/<id> every second. Prints the upload's answer time, the
progress as the client sees it, the import's total time, the rows and the worker's peak memory.
"""
import argparse
import io
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import subsidy_data as data  # noqa: E402

ROOT, BIN = data.ROOT, data.BIN
PASSWORD = "Bench@2026-import"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def xlsx_of(csv_text, rows):
    from openpyxl import Workbook
    book = Workbook(write_only=True)
    sheet = book.create_sheet("补贴发放")
    lines = csv_text.splitlines()
    for line in lines[:rows + 1]:
        cells = line.split(",")
        if cells[0].isdigit():  # 序号, 面积 and 金额 as numbers, the rest as text (as Excel keeps them)
            cells[0] = int(cells[0])
            cells[6] = float(cells[6]) if cells[6] else None
            cells[7] = float(cells[7])
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def peak_kb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20)
    parser.add_argument("--database", help="a PostgreSQL URL to reset and use (default: a SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jicai-bench-") as tmp:
        storage = f"{tmp}/storage"
        url = args.database or f"sqlite:///{tmp}/bench.db"
        if args.database:
            data.reset_postgres(args.database)
        data.migrate(url)
        # Size: rows per MB from a sample, then the whole file.
        sample = 20000
        per_mb = sample / (len(xlsx_of(data.disbursements_csv(sample // 4, sample), sample)) / 1e6)
        rows = int(per_mb * args.mb * 1.03)
        people = rows // 4
        app = data.make_app(url, storage)
        with app.app_context(), app.test_request_context(method="POST"):
            from backend.core.auth import hash_password
            from backend.extensions import db
            print(f"Setting up ({people:,} beneficiaries):")
            town, lead = data.prepare(people)
            lead.password_hash = hash_password(PASSWORD)
            db.session.commit()
            region_id = town.id
        t0 = time.perf_counter()
        payload = xlsx_of(data.disbursements_csv(people, rows), rows)
        print(f"Payments workbook: {rows:,} rows, {len(payload) / 1e6:.1f} MB (written in {time.perf_counter() - t0:.0f} s)")

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "DATABASE_URL": url, "STORAGE_DIR": storage, "JICAI_ENV": "development",
               "QUEUE_URL": f"sqlite:///{tmp}/queue.db", "QUEUE_IMMEDIATE": "0", "SCAN_EVERY_MINUTES": "0"}
        logs = open(f"{tmp}/server.log", "w")
        worker = subprocess.Popen([str(BIN / "flask"), "--app", "wsgi", "worker", "-w", "1"], cwd=ROOT, env=env,
                                  stdout=logs, stderr=subprocess.STDOUT)
        server = subprocess.Popen([str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
                                  cwd=ROOT, env=env, stdout=logs, stderr=subprocess.STDOUT)
        try:
            for _ in range(100):
                try:
                    if requests.get(base + "/api/v1/hello", timeout=2).ok:
                        break
                except requests.RequestException:
                    time.sleep(0.2)
            s = requests.Session()
            r = s.post(base + "/api/v1/auth/login", json={"username": "bench_lead", "password": PASSWORD}, timeout=10)
            r.raise_for_status()
            s.headers["X-CSRF-Token"] = r.json()["csrf_token"]
            start = time.perf_counter()
            r = s.post(base + "/api/v1/imports", data={
                "client_uuid": "00000000-0000-4000-8000-" + f"{int(time.time()):012d}", "kind": "disbursements",
                "region_id": str(region_id)}, files={"file": ("补贴发放.xlsx", payload)}, timeout=120)
            answered = time.perf_counter() - start
            assert r.status_code == 202, r.text
            print(f"\nUpload of {len(payload) / 1e6:.1f} MB answered {r.status_code} in {answered:.2f} s "
                  f"(status {r.json()['status']})")
            run = r.json()
            last = None
            while run["status"] == "queued":
                time.sleep(1)
                run = s.get(base + run["status_url"], timeout=30).json()
                p = run.get("progress")
                shown = None if not p else (p["phase"], p["rows"], p["checked"], p["problems"])
                if shown != last:
                    print(f"  {time.perf_counter() - start:6.1f} s  {run['status']}  "
                          + (f"{p['phase']}: rows {p['rows']}, checked {p['checked']:,}, problems {p['problems']}"
                             if p else "waiting"))
                    last = shown
            took = time.perf_counter() - start
            print(f"\n{run['status']} after {took:.0f} s: {run['rows']:,} rows, inserted {run['inserted']:,}, "
                  f"updated {run['updated']:,}, unchanged {run['unchanged']:,}, problems {run['error_count']}; "
                  f"worker peak memory {peak_kb(worker.pid) / 1024:.0f} MB")
            print(f"a {len(payload) / 1e6:.1f} MB Excel file imported from the browser route in {took:.0f} s "
                  f"(upload answered in {answered:.1f} s)")
        finally:
            for proc in (server, worker):
                proc.send_signal(signal.SIGTERM)
            for proc in (server, worker):
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()


if __name__ == "__main__":
    main()
