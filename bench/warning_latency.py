"""How long after an inspection its 长期未巡查 warning clears, under `make run` (gunicorn + the job
worker, nothing else running scans).

Against a running `make run` (the Lin'an demo loaded: `jincheng_insp` / `jincheng_lead`):

    make run PORT=8123 &                       # or any running server with the demo
    .venv/bin/python bench/warning_latency.py --base http://127.0.0.1:8123 [--times 5]

For each of ``--times`` open ``no_recent_inspection`` warnings in 锦城街道 it records an inspection
of the warning's project as the inspector (as the phone does: POST /api/v1/inspections) and polls the
warning (GET /api/v1/risks/<id>, every 50 ms) until it is resolved. Prints one line per warning
and "warning cleared N s after an inspection" (median). Each run uses up warnings: reload the demo
(`rm instance/jicai.db instance/queue.db; make run`) when none are left.
"""
import argparse
import statistics
import sys
import time
import uuid

import requests

PASSWORD = "Jicai@2026"


def session(base, username):
    s = requests.Session()
    r = s.post(f"{base}/api/v1/auth/login", json={"username": username, "password": PASSWORD}, timeout=10)
    r.raise_for_status()
    s.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return s


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--times", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()
    lead, inspector = session(args.base, "jincheng_lead"), session(args.base, "jincheng_insp")
    warnings = lead.get(f"{args.base}/api/v1/risks", params={
        "rule": "no_recent_inspection", "status": "open", "per_page": 100}, timeout=10).json()["items"]
    if not warnings:
        sys.exit("no open 长期未巡查 warning left in 锦城街道: reload the demo")
    took = []
    for warning in warnings[:args.times]:
        project = warning["project"]
        site = lead.get(f"{args.base}/api/v1/projects/{project['id']}", timeout=10).json()
        start = time.monotonic()
        r = inspector.post(f"{args.base}/api/v1/inspections", json={
            "client_uuid": str(uuid.uuid4()), "project_id": project["id"], "verdict": "normal", "checklist": [],
            "lat": site.get("lat"), "lng": site.get("lng")}, timeout=10)
        r.raise_for_status()
        answered = time.monotonic() - start
        while time.monotonic() - start < args.timeout:
            status = lead.get(f"{args.base}/api/v1/risks/{warning['id']}", timeout=10).json()["status"]
            if status == "resolved":
                break
            time.sleep(0.05)
        else:
            sys.exit(f"warning {warning['id']} not cleared within {args.timeout} s")
        took.append(time.monotonic() - start)
        print(f"{project['name']}: inspection answered in {answered * 1000:.0f} ms, warning cleared after "
              f"{took[-1]:.2f} s")
    print(f"warning cleared {statistics.median(took):.2f} s after an inspection under `make run` "
          f"(median of {len(took)}; min {min(took):.2f}, max {max(took):.2f})")


if __name__ == "__main__":
    main()
