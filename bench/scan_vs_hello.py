"""Scan vs hello: what serving a plaque scan costs, relative to the cheapest JSON endpoint.

For each database (SQLite in a fresh temp file; PostgreSQL at ``postgresql://postgres@127.0.0.1:5432/
jicai_bench`` when a server answers) this script

1. migrates an empty database and loads the Lin'an demo with the real CLI commands,
2. grows one demo project's lifecycle timeline to 50 events (stage moves and payments, through the
   same service functions the API uses) and reads the project's active QR code,
3. starts one gunicorn with production settings (``JICAI_ENV=production``, 2 sync workers),
4. loads ``GET /api/v1/hello`` and ``GET /api/v1/scan/<code>`` at 8 concurrent connections,
   alternating hello, scan, hello, scan so drift on a noisy machine hits both alike, then the scan
   once more with a county user's bearer token (the full view, which also re-verifies the chain),
5. prints requests/s, p50 and p99 for each, and the scan/hello ratio.

The machine is small and shared, so absolute numbers mean little; the verdicts are on the ratio
scan/hello (target >= 0.25) and on the scan's p99 latency (target <= 50 ms).

Load comes from ``wrk`` when it is on PATH, otherwise from a Python generator (8 threads, one
persistent ``http.client.HTTPConnection`` each).

Usage: .venv/bin/python bench/scan_vs_hello.py [--duration 10] [--warmup 2] [--no-postgres] [--no-wrk]
"""
import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = ROOT / ".venv" / "bin"

PG_URL = "postgresql://postgres@127.0.0.1:5432/jicai_bench"
TIMELINE_EVENTS = 50
CONNECTIONS = 8
USERNAME, PASSWORD = "linan_sup", "Jicai@2026"  # the demo's county user
TARGET_RATIO = 0.25
TARGET_P99_MS = 50.0


# ---------------------------------------------------------------------------------------------
# Databases
# ---------------------------------------------------------------------------------------------

def sqlalchemy_url(url):
    """The app's config maps postgresql:// to the psycopg 3 driver; do the same for create_app."""
    return "postgresql+psycopg://" + url[len("postgresql://"):] if url.startswith("postgresql://") else url


def reset_postgres(url):
    """Drop and recreate the benchmark database. False (with a note) when no server answers."""
    import psycopg
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as err:
        print(f"PostgreSQL unreachable at {admin_url} — skipped ({str(err).strip().splitlines()[0]})")
        return False
    return True


def run_flask(args, env):
    """``.venv/bin/flask --app wsgi <args>`` in the project root; exit with its output on failure."""
    result = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout.strip()


def grow_timeline(url, storage_dir):
    """Take a demo project in construction and add payments and acceptance round trips until its
    timeline has TIMELINE_EVENTS events. Returns (project id, active code)."""
    from sqlalchemy import select

    from backend import create_app
    from backend.core.models import User
    from backend.extensions import db
    from backend.projects import services as projects
    from backend.projects.models import Project
    from backend.qrcodes.services import active_code

    app = create_app({"SQLALCHEMY_DATABASE_URI": sqlalchemy_url(url), "STORAGE_DIR": storage_dir, "QUEUE_URL": "memory://"})  # nothing queued for another database
    with app.app_context():
        actor = db.session.execute(select(User).where(User.username == USERNAME)).scalar_one()
        project = db.session.execute(select(Project).where(Project.stage == "construction")
                                     .order_by(Project.id)).scalars().first()
        voucher, pay_next = 0, True
        while project.event_count < TIMELINE_EVENTS:
            if project.stage == "acceptance":  # acceptance fails: back to construction
                projects.move_stage(project, actor, "construction", note="bench: rework")
                pay_next = True
            elif pay_next:
                voucher += 1
                projects.record_payment(project, actor, {
                    "amount": Decimal("12345.67"), "paid_on": date.today(), "payee": project.contractor,
                    "voucher_no": f"BENCH-{voucher:03d}", "funding_source": "区级配套资金"})
                pay_next = False
            else:
                projects.move_stage(project, actor, "acceptance", note="bench")
        db.session.commit()
        code = active_code("project", project.id).code
        result = project.id, code, project.event_count
        db.session.remove()
        db.engine.dispose()  # let PostgreSQL's DROP DATABASE on the next run go through
    return result


def prepare(url, storage_dir):
    """Migrate, load the demo, grow one timeline. Returns the project's code."""
    env = {**os.environ, "DATABASE_URL": url, "STORAGE_DIR": storage_dir, "JICAI_ENV": "development",
               "QUEUE_URL": f"sqlite:///{storage_dir}/queue.db"}  # jobs queued (no worker), as in production
    run_flask(["db", "upgrade"], env)
    print("  demo:", run_flask(["demo"], env))
    project_id, code, events = grow_timeline(url, storage_dir)
    print(f"  project {project_id}: {events} timeline events, code {code}")
    return code


# ---------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------

def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(base, process, log_path, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}):\n{Path(log_path).read_text()}")
        try:
            with urllib.request.urlopen(f"{base}/api/v1/hello", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {timeout} s:\n{Path(log_path).read_text()}")


@contextmanager
def gunicorn(url, storage_dir, log_path):
    """One gunicorn with production settings; yields its base URL and always stops it."""
    port = free_port()
    env = {**os.environ, "JICAI_ENV": "production", "PII_KEYS": "b1:" + "Yg" * 21 + "w", "PII_INDEX_KEY": "bx:" + "eA" * 21 + "w", "SECRET_KEY": secrets.token_urlsafe(36)[:48],
           "DATABASE_URL": url, "STORAGE_DIR": storage_dir,
           "QUEUE_URL": f"sqlite:///{storage_dir}/queue.db"}  # jobs queued (no worker), as in production
    with open(log_path, "w") as log:
        process = subprocess.Popen([str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}",
                                    "wsgi:app"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process, log_path)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def bearer_token(base):
    request = urllib.request.Request(f"{base}/api/v1/auth/token", method="POST",
                                     data=json.dumps({"username": USERNAME, "password": PASSWORD}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["access_token"]


def check_scan(base, code, headers):
    """One scan request before loading it: it must answer 200 with the expected view."""
    request = urllib.request.Request(f"{base}/api/v1/scan/{code}", headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
    project = json.loads(body)["project"]
    return f"{project['view']} view, {len(project['timeline'])} timeline entries, {len(body)} bytes"


# ---------------------------------------------------------------------------------------------
# Load generators: each returns {"rps", "p50", "p99" (ms), "errors"}
# ---------------------------------------------------------------------------------------------

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def wrk_load(url, seconds, headers):
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    latency = {p: float(v) * UNITS_MS[u] for p, v, u in
               re.findall(r"^\s*(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)}
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses:\s+(\d+)", out))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return {"rps": rps, "p50": latency["50"], "p99": latency["99"], "errors": errors}


def _python_worker(host, port, path, headers, stop_at, latencies, errors):
    conn = http.client.HTTPConnection(host, port, timeout=10)
    while time.perf_counter() < stop_at:
        started = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors.append(response.status)
        except (OSError, http.client.HTTPException):
            errors.append("socket")
            conn.close()  # reconnects on the next request
            continue
        latencies.append((time.perf_counter() - started) * 1000)
    conn.close()


def percentile(sorted_values, fraction):
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


def python_load(url, seconds, headers):
    parts = urlsplit(url)
    latencies, errors = [], []  # list.append is atomic under the GIL
    stop_at = time.perf_counter() + seconds
    threads = [threading.Thread(target=_python_worker, args=(
        parts.hostname, parts.port, parts.path, {"Connection": "keep-alive", **headers},
        stop_at, latencies, errors)) for _ in range(CONNECTIONS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {"rps": len(latencies) / elapsed, "p50": percentile(latencies, 0.50),
            "p99": percentile(latencies, 0.99), "errors": len(errors)}


USE_WRK = bool(shutil.which("wrk"))  # main() turns it off for --no-wrk


def load(url, seconds, headers=None):
    return (wrk_load if USE_WRK else python_load)(url, seconds, headers or {})


def cpu_seconds(pids):
    """User + system CPU seconds the processes have used (Linux ``/proc``; a process gone counts 0)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


class Meter:
    """CPU seconds per request of the app's workers and their PostgreSQL backends during one run:
    what a request costs the machine, whichever worker the load generator's eight keep-alive
    connections landed on (gunicorn's two workers share one listening socket, so a run's split of
    the connections between them is chance, and with it a run's throughput — up to 2× here)."""

    def __init__(self, log_path, pg_url):
        self.log_path, self.pg_url = log_path, pg_url

    def pids(self):
        workers = re.findall(r"Booting worker with pid: (\d+)", Path(self.log_path).read_text())
        import psycopg
        with psycopg.connect(self.pg_url, autocommit=True) as conn:
            backends = [row[0] for row in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")]
        return [int(p) for p in workers] + backends

    def run(self, url, seconds, headers=None):
        before_pids = self.pids()
        before = cpu_seconds(before_pids)
        result = load(url, seconds, headers)
        pids = set(before_pids) | set(self.pids())
        spent = cpu_seconds(pids) - before  # (a backend opened during the run: all its time is the run's)
        result["cpu_ms"] = spent * 1000 / max(result["rps"] * seconds, 1)
        return result



# ---------------------------------------------------------------------------------------------
# One database
# ---------------------------------------------------------------------------------------------

def combine(runs):
    """Several runs of one endpoint: mean req/s, mean p50, the worst p99 (conservative)."""
    return {"rps": sum(r["rps"] for r in runs) / len(runs), "p50": sum(r["p50"] for r in runs) / len(runs),
            "p99": max(r["p99"] for r in runs), "errors": sum(r["errors"] for r in runs),
            "each": [r["rps"] for r in runs]}


def measure(base, code, token, duration, warmup):
    hello, scan = f"{base}/api/v1/hello", f"{base}/api/v1/scan/{code}"
    auth = {"Authorization": f"Bearer {token}"}
    for url, headers in ((hello, None), (scan, None), (scan, auth)):
        load(url, warmup, headers)
    runs = {"hello": [], "scan": []}
    for _ in range(2):
        runs["hello"].append(load(hello, duration))
        runs["scan"].append(load(scan, duration))
    return {"hello": combine(runs["hello"]), "scan": combine(runs["scan"]),
            "scan_full": combine([load(scan, duration, auth)])}


def report(name, results, duration):
    tool = "wrk -t2" if USE_WRK else "Python http.client, 8 threads"
    hello = results["hello"]
    print(f"\n{name} — {CONNECTIONS} connections, {duration} s per run ({tool})")
    print(f"  {'endpoint':<28}{'req/s':>9}{'÷ hello':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
          "  req/s of each run")
    rows = (("GET /hello", "hello"), ("GET /scan/<code> anonymous", "scan"),
            ("GET /scan/<code> bearer", "scan_full"))
    for label, key in rows:
        r = results[key]
        each = ", ".join(f"{rps:.0f}" for rps in r["each"])
        print(f"  {label:<28}{r['rps']:>9.1f}{r['rps'] / hello['rps']:>9.2f}"
              f"{r['p50']:>9.2f}{r['p99']:>9.2f}{r['errors']:>8}  {each}")
    for label, key in (("anonymous scan", "scan"), ("bearer scan (full view)", "scan_full")):
        r = results[key]
        ratio = r["rps"] / hello["rps"]
        print(f"  {label}: scan/hello {ratio:.2f} (target ≥ {TARGET_RATIO}) "
              f"{'MET' if ratio >= TARGET_RATIO else 'NOT MET'}; p99 {r['p99']:.1f} ms "
              f"(target ≤ {TARGET_P99_MS:.0f} ms) {'MET' if r['p99'] <= TARGET_P99_MS else 'NOT MET'}")


def bench_database(name, url, duration, warmup, workdir):
    print(f"\n== {name}: {url}")
    storage = tempfile.mkdtemp(prefix="storage-", dir=workdir)
    code = prepare(url, storage)
    with gunicorn(url, storage, Path(workdir) / f"gunicorn-{name.lower()}.log") as base:
        token = bearer_token(base)
        print("  scan check (anonymous):", check_scan(base, code, {}))
        print("  scan check (bearer):   ", check_scan(base, code, {"Authorization": f"Bearer {token}"}))
        results = measure(base, code, token, duration, warmup)
    report(name, results, duration)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run (10)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per endpoint (2)")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", PG_URL))
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-wrk", action="store_true", help="use the Python load generator")
    args = parser.parse_args()
    global USE_WRK
    USE_WRK = USE_WRK and not args.no_wrk
    if not USE_WRK:
        print("wrk not found on PATH (or --no-wrk): using the Python load generator")
    with tempfile.TemporaryDirectory(prefix="jicai-bench-") as workdir:
        sqlite_url = f"sqlite:///{Path(workdir) / 'bench.db'}"
        bench_database("SQLite", sqlite_url, args.duration, args.warmup, workdir)
        if args.no_postgres:
            print("\nPostgreSQL skipped (--no-postgres)")
        elif reset_postgres(args.pg_url):
            bench_database("PostgreSQL", args.pg_url, args.duration, args.warmup, workdir)


if __name__ == "__main__":
    main()
