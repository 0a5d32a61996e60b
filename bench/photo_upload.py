"""Photo upload: what the server spends on one ~3 MB phone photo, relative to tiny requests.

For each database (SQLite in a fresh temp file; PostgreSQL at ``postgresql://postgres@127.0.0.1:5432/
jicai_bench2`` when a server answers) this script

1. migrates an empty database and loads the Lin'an demo with the real CLI commands,
2. starts one gunicorn with production settings (``JICAI_ENV=production``, 2 sync workers),
3. signs in the demo inspector ``jincheng_insp`` (bearer token) and picks one of her projects,
4. in N rounds (40), one after the other, times ``GET /api/v1/hello``, ``POST /api/v1/inspections``
   (a tiny JSON body) and ``POST /api/v1/inspections/<uuid>/photos`` with a distinct ~3 MB JPEG
   (4000x3000, photo-like: colour gradients, blocks and sensor-like noise, quality 92), so drift on
   a noisy machine lands on all three alike,
5. prints p50/p95 of each, the photo's p50 as a multiple of hello and of the JSON inspection, and
   MB/s (photo bytes sent / time spent in photo requests); then replays one upload and checks the
   server answers with the same body and ``Idempotent-Replay: true``.

The photos are generated once, before any timing, and reused for both databases (each database is
fresh, so nothing is a duplicate there). The client is ``requests`` on the same 2 cores.

Usage: .venv/bin/python bench/photo_upload.py [--photos 40] [--no-postgres]
"""
import argparse
import hashlib
import io
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import requests
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scan_vs_hello import gunicorn, percentile, reset_postgres, run_flask  # noqa: E402

from backend.photos.imaging import POLYGLOT, hiding_places  # noqa: E402  (scan_vs_hello put the root on sys.path)

PG_URL = "postgresql://postgres@127.0.0.1:5432/jicai_bench2"
USERNAME, PASSWORD = "jincheng_insp", "Jicai@2026"  # the demo's inspector (锦城街道)
PHOTOS = 40
WIDTH, HEIGHT, QUALITY, NOISE_SIGMA = 4000, 3000, 92, 16


# ---------------------------------------------------------------------------------------------
# Photos
# ---------------------------------------------------------------------------------------------

def make_photo(seed):
    """One distinct photo-like JPEG: a smooth random colour field (upscaled 40x30 grid), a few
    random blocks (structure, so perceptual hashes differ) and grey gaussian noise blended at 25 %
    (so the file is as large as a phone's, ~3 MB at quality 92)."""
    rnd = random.Random(seed)
    grid = Image.new("RGB", (40, 30))
    grid.putdata([tuple(rnd.randrange(256) for _ in range(3)) for _ in range(40 * 30)])
    img = grid.resize((WIDTH, HEIGHT), Image.BICUBIC)
    draw = ImageDraw.Draw(img)
    for _ in range(60):
        x, y = rnd.randrange(WIDTH), rnd.randrange(HEIGHT)
        draw.rectangle([x, y, x + rnd.randrange(50, 800), y + rnd.randrange(50, 600)],
                       fill=tuple(rnd.randrange(256) for _ in range(3)))
    img = Image.blend(img, Image.effect_noise((WIDTH, HEIGHT), NOISE_SIGMA).convert("RGB"), 0.25)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=QUALITY)
    return buf.getvalue()


def make_photos(count):
    """``count`` distinct photos, every one uploaded as drawn. The server looks for markup and
    archives only where they can hide (metadata segments, after the image's end), never in the
    compressed pixels, so a photo whose entropy-coded data happens to contain ``<svg`` or
    ``PK\\x03\\x04`` (about 1 % of 3 MB noisy photos) is a normal photo: it is counted here and must
    be accepted (``measure`` stops on any answer but 201)."""
    started = time.perf_counter()
    photos = [make_photo(1000 + i) for i in range(count)]
    sizes = [len(p) / 1e6 for p in photos]
    print(f"{count} photos {WIDTH}x{HEIGHT} q{QUALITY}: {min(sizes):.2f}–{max(sizes):.2f} MB "
          f"(mean {sum(sizes) / count:.2f} MB), generated in {time.perf_counter() - started:.1f} s")
    chance = sum(1 for p in photos if POLYGLOT.search(p))
    hidden = sum(1 for p in photos if any(POLYGLOT.search(part) for part in hiding_places(p, "JPEG")))
    print(f"  {chance} of them carry a polyglot marker by chance in their pixel data (accepted: pixels are "
          f"not searched); {hidden} in a place the server searches (expected 0)")
    if hidden:
        sys.exit("a generated photo carries a marker in its metadata or trailer: the generator is broken")
    return photos


# ---------------------------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------------------------

def sign_in(base):
    session = requests.Session()
    response = session.post(f"{base}/api/v1/auth/token", json={"username": USERNAME, "password": PASSWORD},
                            timeout=30)
    response.raise_for_status()
    session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    return session


def pick_project(base, session):
    items = session.get(f"{base}/api/v1/projects", params={"per_page": 100}, timeout=30).json()["items"]
    return items[0]


def inspection_body(project):
    return {"client_uuid": str(uuid.uuid4()), "project_id": project["id"], "verdict": "normal",
            "findings": "bench: photo upload", "checklist": [], "lat": project.get("lat"),
            "lng": project.get("lng"), "accuracy_m": 8.0 if project.get("lat") is not None else None,
            "recorded_at": datetime.now(timezone.utc).isoformat()}


def photo_request(base, session, inspection_uuid, photo_uuid, data):
    return session.post(f"{base}/api/v1/inspections/{inspection_uuid}/photos",
                        data={"client_uuid": photo_uuid, "sha256": hashlib.sha256(data).hexdigest(),
                              "taken_at": datetime.now(timezone.utc).isoformat()},
                        files={"file": ("photo.jpg", data, "image/jpeg")}, timeout=120)


def timed(fn):
    """(response, milliseconds); any status other than the expected one stops the run."""
    started = time.perf_counter()
    response = fn()
    return response, (time.perf_counter() - started) * 1000


def expect(response, status):
    if response.status_code != status:
        sys.exit(f"{response.request.method} {response.url}: {response.status_code} {response.text[:300]}")
    return response


def warm_up(base, session, project):
    """Each worker loads its code paths once (2 workers, so twice) before anything is timed."""
    small = make_small_jpeg()
    for _ in range(2):
        expect(session.get(f"{base}/api/v1/hello", timeout=30), 200)
        body = expect(session.post(f"{base}/api/v1/inspections", json=inspection_body(project), timeout=30),
                      201).json()
        expect(photo_request(base, session, body["client_uuid"], str(uuid.uuid4()), small), 201)
        small = make_small_jpeg(seed=2)


def make_small_jpeg(seed=1):
    img = Image.effect_noise((640, 480), 40).convert("RGB")
    ImageDraw.Draw(img).rectangle([seed * 50, 40, 300, 200], fill=(seed * 90 % 256, 120, 30))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def measure(base, session, project, photos):
    times = {"hello": [], "inspection": [], "photo": []}
    last = None
    flagged = 0
    for data in photos:
        _, ms = timed(lambda: expect(session.get(f"{base}/api/v1/hello", timeout=30), 200))
        times["hello"].append(ms)
        body = inspection_body(project)
        response, ms = timed(lambda: expect(session.post(f"{base}/api/v1/inspections", json=body, timeout=30), 201))
        times["inspection"].append(ms)
        photo_uuid = str(uuid.uuid4())
        response, ms = timed(lambda: expect(photo_request(base, session, body["client_uuid"], photo_uuid, data), 201))
        times["photo"].append(ms)
        flagged += bool(response.json().get("reused"))
        last = (body["client_uuid"], photo_uuid, data, response.json())
    return times, flagged, last


def check_replay(base, session, last):
    inspection_uuid, photo_uuid, data, first = last
    response, ms = timed(lambda: photo_request(base, session, inspection_uuid, photo_uuid, data))
    same = response.status_code == 201 and response.json() == first
    header = response.headers.get("Idempotent-Replay")
    return f"{response.status_code}, same body: {same}, Idempotent-Replay: {header}, {ms:.0f} ms"


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------

def report(name, times, photos, flagged):
    stats = {k: (percentile(sorted(v), 0.50), percentile(sorted(v), 0.95), sum(v) / len(v))
             for k, v in times.items()}
    hello_p50, inspection_p50 = stats["hello"][0], stats["inspection"][0]
    print(f"\n{name} — {len(photos)} rounds, sequential (hello, inspection, photo per round)")
    print(f"  {'request':<34}{'p50 ms':>9}{'p95 ms':>9}{'mean ms':>9}{'p50÷hello':>11}{'p50÷insp.':>11}")
    for label, key in (("GET /hello", "hello"), ("POST /inspections (JSON)", "inspection"),
                       ("POST /inspections/<uuid>/photos", "photo")):
        p50, p95, mean = stats[key]
        print(f"  {label:<34}{p50:>9.1f}{p95:>9.1f}{mean:>9.1f}{p50 / hello_p50:>11.1f}"
              f"{p50 / inspection_p50:>11.1f}")
    megabytes = sum(len(p) for p in photos) / 1e6
    seconds = sum(times["photo"]) / 1000
    print(f"  photo throughput: {megabytes:.1f} MB in {seconds:.1f} s = {megabytes / seconds:.2f} MB/s "
          f"({len(photos) / seconds:.2f} photos/s, one at a time)")
    print(f"  photo minus JSON inspection (p50): {stats['photo'][0] - inspection_p50:.0f} ms per photo")
    print(f"  photos flagged as reused by the server: {flagged} (expected 0: every photo is distinct)")


def bench_database(name, url, photos, workdir):
    print(f"\n== {name}: {url}")
    storage = tempfile.mkdtemp(prefix="storage-", dir=workdir)
    env = {**os.environ, "DATABASE_URL": url, "STORAGE_DIR": storage, "JICAI_ENV": "development",
               "QUEUE_URL": f"sqlite:///{storage}/queue.db"}  # jobs queued (no worker), as in production
    run_flask(["db", "upgrade"], env)
    print("  demo:", run_flask(["demo"], env))
    with gunicorn(url, storage, Path(workdir) / f"gunicorn-{name.lower()}.log") as base:
        session = sign_in(base)
        project = pick_project(base, session)
        print(f"  inspector {USERNAME}, project {project['id']} {project['name']}")
        warm_up(base, session, project)
        times, flagged, last = measure(base, session, project, photos)
        print("  replay of the last upload:", check_replay(base, session, last))
    report(name, times, photos, flagged)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=PHOTOS, help=f"photos to upload ({PHOTOS})")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL2", PG_URL))
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    photos = make_photos(args.photos)
    with tempfile.TemporaryDirectory(prefix="jicai-bench-") as workdir:
        bench_database("SQLite", f"sqlite:///{Path(workdir) / 'bench.db'}", photos, workdir)
        if args.no_postgres:
            print("\nPostgreSQL skipped (--no-postgres)")
        elif reset_postgres(args.pg_url):
            bench_database("PostgreSQL", args.pg_url, photos, workdir)


if __name__ == "__main__":
    main()
