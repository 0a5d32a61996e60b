"""First load: how many bytes an inspector's phone downloads to open the app the first time.

On a fresh SQLite file with the Lin'an demo, behind one gunicorn with production settings, a headless
Chromium (Python Playwright, Debian's /usr/bin/chromium, 360x740 phone viewport, empty profile)

1. opens ``/`` (signed out: the public front page), follows its 工作人员登录 link, signs in as the demo inspector
   ``jincheng_insp`` and waits for the field home (``#me-name``) and for the network to go idle,
2. waits for the service worker to finish installing (it precaches the app shell and the QR decoder),
3. records every response: the page's own requests and, separately, the service worker's.

It prints each HTML/JS/CSS response (raw bytes, gzip -6 bytes), the totals by kind (document,
script, stylesheet, image, font, manifest, API fetch) and the verdict on the target:

* HTML + JS + CSS the page loads, gzipped: **≤ 150 KB** (KB = 1,000 bytes here; KiB shown too).

gunicorn sends everything uncompressed; in production nginx gzips text (see README), so the gzipped
size is computed here by compressing each body with ``gzip.compress(body, 6)`` — what nginx's
``gzip_comp_level 6`` would send, give or take header bytes. Images are counted raw (they are not
gzipped). The service worker's precache downloads happen after the home screen is up, on the same
connection budget, so they are shown as a second total ("page + service worker").

Usage: .venv/bin/python bench/first_load.py [--show-all]
"""
import argparse
import gzip
import os
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scan_vs_hello import gunicorn, run_flask  # noqa: E402

from playwright.sync_api import sync_playwright  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 360, "height": 740}
USERNAME, PASSWORD = "jincheng_insp", "Jicai@2026"
TARGET_GZ_KB = 150
TEXT_KINDS = ("document", "script", "stylesheet")
KIND_ORDER = ("document", "script", "stylesheet", "image", "font", "manifest", "api", "other")


# ---------------------------------------------------------------------------------------------
# Recording
# ---------------------------------------------------------------------------------------------

def kind_of(response):
    """document / script / stylesheet / image / font / manifest / api / other."""
    request = response.request
    path = urlsplit(request.url).path
    kind = request.resource_type
    if kind in ("fetch", "xhr") and path.startswith("/api/"):
        return "api"
    if kind in TEXT_KINDS + ("image", "font", "manifest"):
        return kind
    # The service worker's precache fetches have type "fetch"/"other": classify them by extension.
    for suffix, guess in ((".js", "script"), (".css", "stylesheet"), (".html", "document"),
                          (".webmanifest", "manifest"), (".png", "image"), (".svg", "image"),
                          (".woff2", "font")):
        if path.endswith(suffix):
            return guess
    return "api" if path.startswith("/api/") else "other"


def record(response, rows, source):
    try:
        body = response.body()
    except Exception:  # redirects and some service-worker responses have no body to read
        body = b""
    rows.append({"source": source, "kind": kind_of(response), "url": response.url,
                 "via_sw": source == "page" and response.from_service_worker,
                 "path": urlsplit(response.url).path,
                 "query": urlsplit(response.url).query, "status": response.status, "raw": len(body),
                 "gz": len(gzip.compress(body, 6)) if body else 0})


def first_load(base):
    """Sign in on a fresh profile; returns the recorded responses (page and service worker)."""
    rows = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=VIEWPORT, is_mobile=True, has_touch=True,
                                          device_scale_factor=2, locale="zh-CN")
            page = context.new_page()
            # Page responses come through page.on; the service worker's through context.on only.
            page.on("response", lambda r: record(r, rows, "page"))
            context.on("response", lambda r: None if frame_or_none(r) else record(r, rows, "worker"))
            page.goto(f"{base}/", wait_until="networkidle")
            page.click("[data-testid=staff-login]")  # signed out, / is the public front page
            page.wait_for_selector("[data-testid=username]")
            page.fill("[data-testid=username]", USERNAME)
            page.fill("[data-testid=password]", PASSWORD)
            page.click("[data-testid=login-submit]")
            page.wait_for_selector("#me-name", timeout=15000)
            page.wait_for_load_state("networkidle")
            ready = page.evaluate("""async () => {
                if (!('serviceWorker' in navigator)) return 'unsupported';
                const reg = await Promise.race([navigator.serviceWorker.ready,
                                                new Promise((r) => setTimeout(() => r(null), 15000))]);
                return reg && reg.active ? reg.active.state : 'not ready';
            }""")
            time.sleep(1)  # let the last precache responses be read
            page.wait_for_load_state("networkidle")
            heading = page.inner_text("#me-name")
        finally:
            browser.close()
    return rows, ready, heading


def fill_unreadable(rows):
    """Playwright cannot read the bodies of the service worker's responses (they go straight into
    its cache): fetch the same URLs again with urllib for their size. Returns how many were filled."""
    filled = 0
    for row in rows:
        if row["raw"] == 0 and row["status"] == 200 and not row["path"].startswith("/api/"):
            with urllib.request.urlopen(row["url"], timeout=10) as response:
                body = response.read()
            row["raw"], row["gz"] = len(body), len(gzip.compress(body, 6))
            filled += 1
    return filled


def frame_or_none(response):
    try:
        return response.frame
    except Exception:  # a service worker's request has no frame
        return None


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------

def totals(rows):
    out = {}
    for row in rows:
        raw, gz, n = out.get(row["kind"], (0, 0, 0))
        out[row["kind"]] = (raw + row["raw"], gz + row["gz"], n + 1)
    return out


def print_totals(title, rows):
    by_kind = totals(rows)
    print(f"\n  {title}")
    print(f"    {'kind':<12}{'files':>6}{'raw bytes':>12}{'gzip -6':>12}")
    for kind in KIND_ORDER:
        if kind in by_kind:
            raw, gz, n = by_kind[kind]
            print(f"    {kind:<12}{n:>6}{raw:>12,}{gz:>12,}")
    text = [by_kind.get(k, (0, 0, 0)) for k in TEXT_KINDS]
    raw, gz = sum(t[0] for t in text), sum(t[1] for t in text)
    print(f"    {'HTML+JS+CSS':<12}{sum(t[2] for t in text):>6}{raw:>12,}{gz:>12,}"
          f"   = {raw / 1000:.1f} KB raw, {gz / 1000:.1f} KB ({gz / 1024:.1f} KiB) gzipped")
    return raw, gz


def report(rows, ready, heading, show_all):
    page = [r for r in rows if r["source"] == "page"]
    worker = [r for r in rows if r["source"] == "worker"]
    print(f"\nhome screen: {heading!r}; service worker: {ready}")
    print(f"\n  page responses, HTML/JS/CSS{' and all others' if show_all else ''} (in load order):")
    print(f"    {'kind':<11}{'status':>6}{'raw':>9}{'gzip':>8}  path")
    for r in page:
        if show_all or r["kind"] in TEXT_KINDS:
            path = r["path"] + ("?" + r["query"] if r["query"] else "")
            print(f"    {r['kind']:<11}{r['status']:>6}{r['raw']:>9,}{r['gz']:>8,}  {path}")
    others = [r for r in page if r["kind"] not in TEXT_KINDS]
    if not show_all and others:
        print("    others: " + ", ".join(f"{r['path']} ({r['kind']}, {r['raw']:,} B)" for r in others))
    _, page_gz = print_totals("the page (what the sign-in and the home screen load):", page)
    if worker:
        print(f"\n  service worker precache ({len(worker)} responses): "
              + ", ".join(f"{r['path']} {r['gz']:,}" for r in worker if r["kind"] in TEXT_KINDS)
              + " (gzip bytes)")
        print_totals("the service worker's own downloads:", worker)
        direct = [r for r in page if not r["via_sw"]]  # answered by the worker: its fetch is counted
        _, all_gz = print_totals(f"page + service worker (without the {len(page) - len(direct)} page "
                                 "responses the worker answered, counted once as its own fetch):", direct + worker)
    else:
        all_gz = page_gz
        print("\n  no service-worker responses were reported (Playwright sees them in Chromium only with"
              " service-worker network events; the precache may be missing from these totals)")
    verdict = "MET" if page_gz <= TARGET_GZ_KB * 1000 else "NOT MET"
    print(f"\nTarget: HTML+JS+CSS of the first load ≤ {TARGET_GZ_KB} KB gzipped — page: "
          f"{page_gz / 1000:.1f} KB {verdict}; with the service worker's precache: {all_gz / 1000:.1f} KB "
          f"{'MET' if all_gz <= TARGET_GZ_KB * 1000 else 'NOT MET'} (for information)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show-all", action="store_true", help="list every response, not only HTML/JS/CSS")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jicai-bench-") as workdir:
        url = f"sqlite:///{Path(workdir) / 'bench.db'}"
        storage = tempfile.mkdtemp(prefix="storage-", dir=workdir)
        env = {**os.environ, "DATABASE_URL": url, "STORAGE_DIR": storage, "JICAI_ENV": "development",
               "QUEUE_URL": f"sqlite:///{storage}/queue.db"}  # jobs queued (no worker), as in production
        run_flask(["db", "upgrade"], env)
        print("demo:", run_flask(["demo"], env))
        with gunicorn(url, storage, Path(workdir) / "gunicorn.log") as base:
            rows, ready, heading = first_load(base)
            filled = fill_unreadable(rows)
    if filled:
        print(f"{filled} response bodies (the service worker's precache) could not be read in the browser; "
              "their sizes come from fetching the same URLs again")
    report(rows, ready, heading, args.show_all)


if __name__ == "__main__":
    main()
