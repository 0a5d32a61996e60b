"""Lighthouse: performance, accessibility and best-practices scores of a plaque's project page.

On a fresh SQLite file with the Lin'an demo, behind one gunicorn with production settings, this
script runs Lighthouse (npm package ``lighthouse``, pinned in ``bench/package.json``; install with
``npm ci --prefix bench``) against Debian's Chromium (``CHROME_PATH=/usr/bin/chromium``, headless,
no sandbox) on the two pages a villager's phone opens from a plaque:

1. ``anonymous``: ``/q/<code>`` — the page a scanned project plaque opens — for a demo project of
   锦城街道, not signed in (the public view);
2. ``signed-in``: the same page signed in as the demo inspector ``jincheng_insp``: the session
   cookie from ``POST /auth/login`` is passed with ``--extra-headers`` (it goes with every request
   Lighthouse's Chrome makes);
3. ``village``: ``/v/<code>`` — the village's notice board (一村一码) of a 锦城街道 village, not
   signed in (its code is asked for as the demo lead ``jincheng_lead``, as the 补贴 screen does).

Mobile form factor and Lighthouse's default simulated throttling (slow 4G, 4x CPU slowdown) are
kept, so the performance score is a model of a mid-range phone, not a measurement of this machine;
it still moves a little from run to run. For each run it prints the three scores against the
targets (performance ≥ 90, accessibility ≥ 95, best practices ≥ 95), the main metrics, and every
audit that costs points (score below 1, weighted in its category, or an opportunity with savings),
with its title and value, so the PWA author knows what to fix. The JSON reports are kept in
``--out`` (default: a temp dir that is removed) for a closer look.

Usage: .venv/bin/python bench/lighthouse.py [--runs anonymous,signed-in,village] [--repeat N] [--out DIR]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scan_vs_hello import gunicorn, run_flask  # noqa: E402

BENCH = Path(__file__).resolve().parent
LIGHTHOUSE = BENCH / "node_modules" / ".bin" / "lighthouse"
CHROME_PATH = "/usr/bin/chromium"
CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]
USERNAME, PASSWORD = "jincheng_insp", "Jicai@2026"
LEAD = "jincheng_lead"
CATEGORIES = ("performance", "accessibility", "best-practices")
TARGETS = {"performance": 90, "accessibility": 95, "best-practices": 95}
METRICS = ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time",
           "cumulative-layout-shift", "speed-index", "interactive")


# ---------------------------------------------------------------------------------------------
# Setup
# ---------------------------------------------------------------------------------------------

def ensure_lighthouse():
    if LIGHTHOUSE.exists():
        return
    lock = BENCH / "package-lock.json"
    command = ["npm", "ci" if lock.exists() else "install", "--prefix", str(BENCH), "--no-audit", "--no-fund"]
    print("installing Lighthouse:", " ".join(command))
    subprocess.run(command, check=True)


def sign_in(base):
    """A browser-style session: the cookie header Lighthouse should send, and a project with a code."""
    session = requests.Session()
    response = session.post(f"{base}/api/v1/auth/login", json={"username": USERNAME, "password": PASSWORD},
                            timeout=30)
    response.raise_for_status()
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    projects = session.get(f"{base}/api/v1/projects", params={"per_page": 100}, timeout=30).json()["items"]
    project = next(p for p in projects if p.get("code"))
    return cookie, project


def village_code(base):
    """The 一村一码 code of the first village of the lead's township (issued on first ask)."""
    session = requests.Session()
    response = session.post(f"{base}/api/v1/auth/login", json={"username": LEAD, "password": PASSWORD}, timeout=30)
    response.raise_for_status()
    csrf = response.json()["csrf_token"]
    village = session.get(f"{base}/api/v1/regions", params={"level": "village", "per_page": 1},
                          timeout=30).json()["items"][0]
    code = session.post(f"{base}/api/v1/regions/{village['id']}/village-code", headers={"X-CSRF-Token": csrf},
                        timeout=30)
    code.raise_for_status()
    return village["name"], code.json()["code"]


# ---------------------------------------------------------------------------------------------
# One Lighthouse run
# ---------------------------------------------------------------------------------------------

def lighthouse(url, out_path, extra_headers=None):
    command = [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out_path}",
               f"--only-categories={','.join(CATEGORIES)}", "--form-factor=mobile",
               f"--chrome-flags={' '.join(CHROME_FLAGS)}"]
    if extra_headers:
        command.append(f"--extra-headers={json.dumps(extra_headers)}")
    result = subprocess.run(command, env={**os.environ, "CHROME_PATH": CHROME_PATH},
                            capture_output=True, text=True, timeout=300)
    if result.returncode != 0 or not Path(out_path).exists():
        sys.exit(f"lighthouse failed ({result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
    return json.loads(Path(out_path).read_text())


def losing_audits(lhr, category):
    """Audits of a category that cost points: weighted with score < 1, or with estimated savings."""
    audits = lhr["audits"]
    rows = []
    for ref in lhr["categories"][category]["auditRefs"]:
        audit = audits[ref["id"]]
        score, mode = audit.get("score"), audit.get("scoreDisplayMode")
        if mode in ("notApplicable", "manual", "informative") or score is None:
            savings = (audit.get("metricSavings") or {})
            if mode == "informative" or not any(savings.values()):
                continue
        if score is not None and score >= 1:
            continue
        if ref.get("group") == "metrics":
            continue  # printed with the metrics
        rows.append((ref.get("weight", 0), score, ref["id"], audit["title"], audit.get("displayValue", ""),
                     detail_lines(audit)))
    rows.sort(key=lambda r: (-r[0], r[1] if r[1] is not None else 1))
    return rows


def detail_lines(audit, limit=3):
    """The first few items of an audit's table (the failing element, resource or console message)."""
    out = []
    items = (audit.get("details") or {}).get("items", [])
    for item in items[:limit] if isinstance(items, list) else []:  # a tree audit keeps a dict here
        if not isinstance(item, dict):
            continue
        node = item.get("node") if isinstance(item.get("node"), dict) else None
        location = item.get("sourceLocation") if isinstance(item.get("sourceLocation"), dict) else None
        if item.get("description"):
            text = item["description"] + (f" ({location['url']})" if location else "")
        elif node:
            text = f"{node.get('selector', '')} {node.get('snippet', '')}"
        elif isinstance(item.get("url"), str):
            extra = item.get("wastedBytes") or item.get("totalBytes")
            text = item["url"] + (f" ({extra:,.0f} B)" if isinstance(extra, (int, float)) else "")
        else:
            continue
        out.append(text[:160])
    return out


NOTES = {  # context for the PWA author
    "uses-text-compression": "gunicorn sends text uncompressed; the README's nginx gzips it in production",
    "cache-insight": "backend/web.py serves /js, /css, /icons with max-age=300 (the service worker versions them)",
    "uses-long-cache-ttl": "backend/web.py serves /js, /css, /icons with max-age=300 (the service worker versions them)",
}


def report(label, url, lhr):
    print(f"\n== {label}: {url}")
    runtime = lhr.get("runtimeError")
    if runtime:
        print(f"  runtime error: {runtime.get('code')} {runtime.get('message')}")
    print(f"  Lighthouse {lhr['lighthouseVersion']}, {lhr['configSettings']['formFactor']}, "
          f"throttling {lhr['configSettings']['throttlingMethod']}, final URL {lhr.get('finalDisplayedUrl')}")
    for warning in lhr.get("runWarnings", []):
        print(f"  warning: {warning}")
    scores = {}
    for category in CATEGORIES:
        raw = lhr["categories"][category]["score"]
        score = round(raw * 100) if raw is not None else None
        scores[category] = score
        met = score is not None and score >= TARGETS[category]
        print(f"  {lhr['categories'][category]['title']:<16} {score if score is not None else '—':>4}"
              f"  (target ≥ {TARGETS[category]}) {'MET' if met else 'NOT MET'}")
    metrics = ", ".join(f"{lhr['audits'][m]['title']} {lhr['audits'][m].get('displayValue', '—')}"
                        for m in METRICS if m in lhr["audits"])
    print(f"  metrics: {metrics}")
    for category in CATEGORIES:
        rows = losing_audits(lhr, category)
        if not rows:
            print(f"  {category}: no audit loses points")
            continue
        print(f"  {category}: audits that lose points (weight, score, id — title [value]):")
        for weight, score, audit_id, title, value, details in rows[:12]:
            shown = "—" if score is None else f"{score:.2f}"
            note = f"  (note: {NOTES[audit_id]})" if audit_id in NOTES else ""
            print(f"    w{weight:<3} {shown:>5}  {audit_id} — {title}{f' [{value}]' if value else ''}{note}")
            if weight or category != "performance" or audit_id in ("lcp-lazy-loaded", "render-blocking-resources"):
                for line in details:
                    print(f"                 · {line}")
        if len(rows) > 12:
            print(f"    … and {len(rows) - 12} more")
    return scores


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", default="anonymous,signed-in,village", help="anonymous,signed-in,village (all three)")
    parser.add_argument("--out", help="keep the JSON reports in this folder")
    parser.add_argument("--repeat", type=int, default=1, help="runs per page; with more than one the median is printed")
    args = parser.parse_args()
    ensure_lighthouse()
    runs = [r.strip() for r in args.runs.split(",") if r.strip()]
    with tempfile.TemporaryDirectory(prefix="jicai-bench-") as workdir:
        out_dir = Path(args.out or workdir)
        out_dir.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{Path(workdir) / 'bench.db'}"
        storage = tempfile.mkdtemp(prefix="storage-", dir=workdir)
        env = {**os.environ, "DATABASE_URL": url, "STORAGE_DIR": storage, "JICAI_ENV": "development",
               "QUEUE_URL": f"sqlite:///{storage}/queue.db"}  # jobs queued (no worker), as in production
        run_flask(["db", "upgrade"], env)
        print("demo:", run_flask(["demo"], env))
        summary = []
        with gunicorn(url, storage, Path(workdir) / "gunicorn.log") as base:
            cookie, project = sign_in(base)
            page = f"{base}/q/{project['code']}"
            print(f"project {project['id']} {project['name']}, code {project['code']}")
            if "village" in runs:
                village, code = village_code(base)
                village_page = f"{base}/v/{code}"
                print(f"village {village}, code {code}")
            for run in runs:
                headers = {"Cookie": cookie} if run == "signed-in" else None
                target = village_page if run == "village" else page
                for n in range(1, args.repeat + 1):
                    name = f"lighthouse-{run}" + (f"-{n}" if args.repeat > 1 else "") + ".json"
                    lhr = lighthouse(target, out_dir / name, headers)
                    label = f"{run} ({USERNAME})" if headers else run
                    summary.append((run, report(label + (f", run {n}" if args.repeat > 1 else ""), target, lhr)))
        if args.out:
            print(f"\nJSON reports in {out_dir}")
    print("\nSummary: " + "; ".join(f"{run}: " + ", ".join(f"{c} {s}" for c, s in scores.items())
                                    for run, scores in summary))
    if args.repeat > 1:
        # The simulated throttling scales the CPU time this (shared) machine observed, so one run
        # moves by a few points; the median of several is the figure to compare.
        print("Median performance of each page: " + "; ".join(
            f"{run} {statistics.median(sc['performance'] for r, sc in summary if r == run)} "
            f"({', '.join(str(sc['performance']) for r, sc in summary if r == run)})" for run in runs))


if __name__ == "__main__":
    main()
