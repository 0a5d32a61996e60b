"""Offline sync under faults: the PWA's real outbox uploads 200 inspections with 400 photos while the
network drops requests before they reach the server and responses after the server committed.

On a fresh SQLite file with the Lin'an demo, behind one gunicorn with production settings:

1. 2 x 400 distinct small JPEGs (~100 KB, 800x600) are generated (one set per run below).
2. A headless Chromium (Python Playwright, /usr/bin/chromium, 360x740) signs in as the demo inspector
   ``jincheng_insp`` through the app's sign-in page, so the app, its session and its CSRF handling
   are the real ones. Service workers are blocked in this context, so every request of the page goes
   through Playwright's router (and no Background Sync replays behind the benchmark's back; the
   outbox's Web Lock would keep such a replay from sending the same head twice anyway).
3. The workload — 200 inspections (spread over the inspector's projects), each followed by its 2
   photos, exactly the entries ``views/inspect.js`` builds — is put into the app's own outbox store
   (``self.JicaiOutbox.push``, the IndexedDB FIFO of ``js/outbox-core.js``), as if recorded offline.
4. The timed part: the page imports ``/js/outbox.js`` (the app's module instance) and calls
   ``replayNow({force: true})`` until the queue is empty, as the app does on an ``online`` event.
   Every POST under ``/api/v1/inspections`` goes through a fault injector (``page.route``):

   * 10 % are dropped BEFORE the server: ``route.abort()``;
   * of the rest, 20 % are dropped AFTER the server committed: ``route.fetch()`` (the server handles
     it), then ``route.abort()`` instead of passing the response on;
   * the others get the server's response (``route.fulfill(response=...)``).

   The same workload with no faults (injector in pass-through mode) is run first, in its own fresh
   browser context, as the baseline.
5. Checks on the server, per run (GET /inspections?mine=true, all pages): every inspection UUID of
   the run is there exactly once (lost = 0, duplicates = 0), each has exactly its 2 photos (by photo
   UUID, distinct SHA-256), and the outbox ends with 0 queued and 0 failed entries.

Forcing the replay right after each failure skips the outbox's own retry timer (backoff 5 s x 2^(n-1),
waited at least 2 s and at most 30 s by the page), so the total time measures the protocol's cost
(re-sends, idempotent replays, CSRF look-ups); the time the app's timer would have added is
estimated from the fault log and printed separately.

Usage: .venv/bin/python bench/offline_sync.py [--inspections 200] [--seed 7]
"""
import argparse
import base64
import hashlib
import io
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path

import requests
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scan_vs_hello import gunicorn, run_flask  # noqa: E402

from backend.photos.imaging import POLYGLOT  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
USERNAME, PASSWORD = "jincheng_insp", "Jicai@2026"
INSPECTIONS, PHOTOS_EACH = 200, 2
DROP_BEFORE, DROP_AFTER = 0.10, 0.20
PUSH_BATCH = 10  # inspections per page.evaluate call when filling the outbox
SYNC_TIMEOUT_S = 900


# ---------------------------------------------------------------------------------------------
# Workload
# ---------------------------------------------------------------------------------------------

def small_photo(rnd):
    """~100 KB distinct photo-like JPEG (colour field, blocks, noise); redrawn if its bytes happen
    to match the server's polyglot pattern (see photo_upload.py)."""
    while True:
        grid = Image.new("RGB", (16, 12))
        grid.putdata([tuple(rnd.randrange(256) for _ in range(3)) for _ in range(16 * 12)])
        img = grid.resize((800, 600), Image.BICUBIC)
        draw = ImageDraw.Draw(img)
        for _ in range(12):
            x, y = rnd.randrange(800), rnd.randrange(600)
            draw.rectangle([x, y, x + rnd.randrange(20, 200), y + rnd.randrange(20, 150)],
                           fill=tuple(rnd.randrange(256) for _ in range(3)))
        img = Image.blend(img, Image.effect_noise((800, 600), 18).convert("RGB"), 0.3)
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=85)
        if POLYGLOT.search(buf.getvalue()) is None:
            return buf.getvalue()


def workload(projects, count, rnd):
    """``count`` inspections as the app builds them: [{json, photos: [{id, form, b64}]}]."""
    items = []
    for i in range(count):
        project = projects[i % len(projects)]
        inspection_id = str(uuid.uuid4())
        now = datetime.now(timezone.utc).isoformat()
        pos = {"lat": project["lat"], "lng": project["lng"], "accuracy_m": 12.0} \
            if project.get("lat") is not None else {}
        body = {"client_uuid": inspection_id, "project_id": project["id"], "verdict": "normal",
                "findings": f"bench: offline sync #{i + 1}", "checklist": [], "recorded_at": now, **pos}
        photos = []
        for _ in range(PHOTOS_EACH):
            data = small_photo(rnd)
            photos.append({"id": str(uuid.uuid4()), "sha256": hashlib.sha256(data).hexdigest(),
                           "bytes": len(data), "b64": base64.b64encode(data).decode(),
                           "form": {"client_uuid": None, "sha256": None, "taken_at": now, **pos}})
            photos[-1]["form"].update(client_uuid=photos[-1]["id"], sha256=photos[-1]["sha256"])
        items.append({"id": inspection_id, "json": body, "project": project, "photos": photos})
    return items


# ---------------------------------------------------------------------------------------------
# Fault injection
# ---------------------------------------------------------------------------------------------

class Faults:
    """The ``page.route`` handler: drops before / after the server, counts everything."""

    def __init__(self, seed, before, after):
        self.rnd = random.Random(seed)
        self.before, self.after = before, after
        self.counts = Counter()
        self.failures = defaultdict(int)  # entry id -> drops so far (for the backoff estimate)
        self.backoff_s = 0.0
        self.lock = threading.Lock()

    def note_drop(self, request, kind):
        entry = request.headers.get("x-client-uuid", request.url)
        with self.lock:
            self.counts[kind] += 1
            self.failures[entry] += 1
            n = self.failures[entry]
            self.backoff_s += max(2.0, min(30.0, 5.0 * 2 ** (n - 1)))  # outbox-core backoff, page's clamp

    def __call__(self, route, request):
        if request.method != "POST":
            return route.continue_()
        kind = "photo" if request.url.rstrip("/").endswith("/photos") else "inspection"
        with self.lock:
            self.counts[f"{kind} requests"] += 1
            draw_before, draw_after = self.rnd.random(), self.rnd.random()
        if draw_before < self.before:
            self.note_drop(request, "dropped before the server")
            return route.abort("connectionreset")
        response = route.fetch(timeout=120_000)
        with self.lock:
            self.counts[f"status {response.status}"] += 1
            if response.headers.get("idempotent-replay") == "true":
                self.counts["answered as idempotent replay"] += 1
        if draw_after < self.after:
            self.note_drop(request, "dropped after the server committed")
            return route.abort("connectionreset")
        return route.fulfill(response=response)


# ---------------------------------------------------------------------------------------------
# The browser side
# ---------------------------------------------------------------------------------------------

PUSH_JS = """async (items) => {
  await import('/js/outbox.js');  // the app's instance (it loads outbox-core.js, self.JicaiOutbox)
  const toBlob = (b64) => {
    const bin = atob(b64); const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new Blob([bytes], { type: 'image/jpeg' });
  };
  const entries = [];
  for (const it of items) {
    const label = { project_id: it.project.id, project_name: it.project.name, project_code: it.project.code || null };
    entries.push({ id: it.id, kind: 'inspection', method: 'POST', url: '/api/v1/inspections', json: it.json,
      label: { ...label, verdict: 'normal', photos: it.photos.length } });
    it.photos.forEach((ph, i) => entries.push({ id: ph.id, kind: 'photo', method: 'POST',
      url: `/api/v1/inspections/${it.id}/photos`, form: ph.form, blob: toBlob(ph.b64),
      filename: `photo-${i + 1}.jpg`, after: it.id, label: { ...label, n: i + 1, bytes: ph.bytes } }));
  }
  return (await self.JicaiOutbox.push(entries)).length;
}"""

SYNC_JS = """async (limitMs) => {
  const ob = await import('/js/outbox.js');
  const t0 = performance.now();
  let calls = 0; const stops = {};
  for (;;) {
    const c = await ob.counts();
    if (!c.queued || performance.now() - t0 > limitMs) break;
    const s = await ob.replayNow({ force: true });
    calls++;
    const why = s ? String(s.stopped) : 'none';
    stops[why] = (stops[why] || 0) + 1;
    if (!s || s.stopped === 'busy' || s.stopped === 'auth') await new Promise((r) => setTimeout(r, 50));
  }
  const c = await ob.counts();
  const failed = (await ob.failed()).map((e) => ({ id: e.id, status: e.last_status, code: e.error_code }));
  return { ms: performance.now() - t0, calls, stops, queued: c.queued, failed };
}"""


def sign_in(page, base):
    page.goto(f"{base}/login", wait_until="networkidle")
    page.fill("[data-testid=username]", USERNAME)
    page.fill("[data-testid=password]", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("#me-name", timeout=15000)


def run_sync(browser, base, items, faults):
    """Fill a fresh outbox with the workload, then time its replay through the fault injector."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, service_workers="block",
                                  locale="zh-CN")
    try:
        page = context.new_page()
        sign_in(page, base)
        pushed = 0
        for start in range(0, len(items), PUSH_BATCH):
            batch = [{k: it[k] for k in ("id", "json", "project", "photos")} for it in items[start:start + PUSH_BATCH]]
            pushed += page.evaluate(PUSH_JS, batch)
        page.route("**/api/v1/inspections**", faults)
        started = time.perf_counter()
        result = page.evaluate(SYNC_JS, SYNC_TIMEOUT_S * 1000)
        result["wall_s"] = time.perf_counter() - started
        result["pushed"] = pushed
        page.unroute("**/api/v1/inspections**")
    finally:
        context.close()
    return result


# ---------------------------------------------------------------------------------------------
# Server-side checks
# ---------------------------------------------------------------------------------------------

def api_session(base):
    session = requests.Session()
    response = session.post(f"{base}/api/v1/auth/token", json={"username": USERNAME, "password": PASSWORD},
                            timeout=30)
    response.raise_for_status()
    session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    return session


def server_inspections(base, session):
    items, page = [], 1
    while True:
        data = session.get(f"{base}/api/v1/inspections", params={"mine": "true", "per_page": 100, "page": page},
                           timeout=60).json()
        items += data["items"]
        if not data["items"] or len(items) >= data["total"]:
            return items, data["total"]
        page += 1


def check(items, server):
    """lost / duplicate inspections and photos of this run's workload, as seen by the server."""
    by_uuid = defaultdict(list)
    for row in server:
        by_uuid[row["client_uuid"]].append(row)
    out = Counter()
    for it in items:
        rows = by_uuid.get(it["id"], [])
        out["inspections lost"] += not rows
        out["inspections duplicated"] += max(0, len(rows) - 1)
        if not rows:
            out["photos lost"] += len(it["photos"])
            continue
        photos = rows[0]["photos"]
        expected = {p["id"] for p in it["photos"]}
        got = {p["client_uuid"] for p in photos}
        lost_here = len(expected - got)
        out["photos lost"] += lost_here
        # photos beyond the expected distinct ones (a repeated UUID, a stranger, or the same bytes twice)
        out["photos duplicated"] += max(len(photos) - (len(expected) - lost_here),
                                        len(photos) - len({p["sha256"] for p in photos}))
        out["inspections with exactly 2 photos"] += len(photos) == PHOTOS_EACH and set(got) == expected
    return out


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------

def report(label, items, result, faults, checks):
    entries = len(items) * (1 + PHOTOS_EACH)
    megabytes = sum(p["bytes"] for it in items for p in it["photos"]) / 1e6
    print(f"\n{label}: {len(items)} inspections + {len(items) * PHOTOS_EACH} photos = {entries} outbox entries "
          f"({result['pushed']} pushed), {megabytes:.1f} MB of photos")
    print(f"  sync time {result['ms'] / 1000:.1f} s in the page ({result['wall_s']:.1f} s wall), "
          f"{entries / (result['ms'] / 1000):.1f} entries/s; replayNow calls {result['calls']}, "
          f"stopped: {result['stops']}")
    for key in sorted(faults.counts):
        print(f"  {key}: {faults.counts[key]}")
    if faults.backoff_s:
        print(f"  the app's own retry timer (instead of forcing the replay) would have waited about "
              f"{faults.backoff_s:.0f} s more in total (estimate from the drops, before jitter)")
    print(f"  outbox after sync: queued {result['queued']}, failed {len(result['failed'])}"
          + (f" {result['failed'][:5]}" if result["failed"] else ""))
    lost = checks["inspections lost"] + checks["photos lost"]
    dups = checks["inspections duplicated"] + checks["photos duplicated"]
    print(f"  server: inspections lost {checks['inspections lost']}, duplicated {checks['inspections duplicated']}; "
          f"photos lost {checks['photos lost']}, duplicated {checks['photos duplicated']}; "
          f"inspections with exactly their {PHOTOS_EACH} photos: {checks['inspections with exactly 2 photos']}"
          f"/{len(items)}")
    ok = lost == 0 and dups == 0 and result["queued"] == 0 and not result["failed"]
    print(f"  lost = {lost}, duplicates = {dups}: {'OK' if ok else 'FAILED'}")
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inspections", type=int, default=INSPECTIONS, help=f"inspections per run ({INSPECTIONS})")
    parser.add_argument("--seed", type=int, default=7, help="seed of the fault draws and the photos (7)")
    args = parser.parse_args()
    rnd = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="jicai-bench-") as workdir:
        url = f"sqlite:///{Path(workdir) / 'bench.db'}"
        storage = tempfile.mkdtemp(prefix="storage-", dir=workdir)
        env = {**os.environ, "DATABASE_URL": url, "STORAGE_DIR": storage, "JICAI_ENV": "development",
               "QUEUE_URL": f"sqlite:///{storage}/queue.db"}  # jobs queued (no worker), as in production
        run_flask(["db", "upgrade"], env)
        print("demo:", run_flask(["demo"], env))
        with gunicorn(url, storage, Path(workdir) / "gunicorn.log") as base:
            session = api_session(base)
            projects = session.get(f"{base}/api/v1/projects", params={"per_page": 100}, timeout=30).json()["items"]
            # The demo records a few inspections of its own for this inspector: counted, not assumed.
            _, before = server_inspections(base, session)
            started = time.perf_counter()
            baseline_items = workload(projects, args.inspections, rnd)
            faulty_items = workload(projects, args.inspections, rnd)
            sizes = [p["bytes"] for it in baseline_items + faulty_items for p in it["photos"]]
            print(f"{len(sizes)} photos 800x600 q85, {min(sizes) / 1e3:.0f}–{max(sizes) / 1e3:.0f} KB "
                  f"(mean {sum(sizes) / len(sizes) / 1e3:.0f} KB), generated in {time.perf_counter() - started:.1f} s; "
                  f"{len(projects)} projects of {USERNAME}")
            print("Driving the real PWA outbox (js/outbox.js + js/outbox-core.js) in headless Chromium; "
                  "faults injected with page.route")
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    clean = Faults(args.seed, 0.0, 0.0)
                    clean_result = run_sync(browser, base, baseline_items, clean)
                    faults = Faults(args.seed, DROP_BEFORE, DROP_AFTER)
                    faulty_result = run_sync(browser, base, faulty_items, faults)
                finally:
                    browser.close()
            server, total = server_inspections(base, session)
            ok_clean = report("Baseline, no faults", baseline_items, clean_result, clean, check(baseline_items, server))
            ok_faulty = report(f"With faults ({DROP_BEFORE:.0%} dropped before the server, {DROP_AFTER:.0%} of the "
                               "rest dropped after it committed)", faulty_items, faulty_result, faults,
                               check(faulty_items, server))
            expected = before + 2 * args.inspections
            print(f"\nserver total for {USERNAME}: {total} inspections (expected {expected}: the demo's {before} "
                  f"+ 2 × {args.inspections}: {'OK' if total == expected else 'MISMATCH'})")
            ratio = faulty_result["ms"] / clean_result["ms"]
            print(f"faults / baseline sync time: {ratio:.2f} "
                  f"({faulty_result['ms'] / 1000:.1f} s vs {clean_result['ms'] / 1000:.1f} s)")
            print(f"Verdict: lost = 0 and duplicates = 0 under faults: {'MET' if ok_faulty else 'NOT MET'}"
                  f" (baseline {'OK' if ok_clean else 'FAILED'})")


if __name__ == "__main__":
    main()
