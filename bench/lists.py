"""Lists at province size: the first page and the 300th, by number and by key, against hello.

On PostgreSQL (``postgresql://postgres@127.0.0.1:5432/jicai_bench_lists``, dropped and recreated)
this script

1. migrates an empty database with the real CLI (``flask --app wsgi db upgrade``),
2. generates a province with set-based SQL: 11 cities, 90 counties, 1,360 townships, 20,000
   villages, one province user, then in two equal steps (so the same pages are measured at half and
   at full size) projects, one risk warning per project (a quarter each red and orange, half yellow;
   four in five open) and subsidy payments (default 100,000 and 2,000,000 at full size;
   ``--payments 10000000`` for the issue's size), ``VACUUM ANALYZE`` after each step,
3. in-process (``create_app`` and its test client, signed in as the province user), times
   ``GET /api/v1/hello`` and, for projects, warnings (``/risks``, the open ones) and payments, the
   first page, the 300th page by number (``?page=300``), the 300th page by key (``?after=`` the
   299th page's ``next``) and the 299th going back by key (``?after=`` the 300th page's ``prev``),
   alternating
   with hello so drift on a noisy machine hits both alike,
4. prints p50 and p99 of each and the ratio list/hello at both sizes,
5. with ``--http``, the same pages as a user gets them: one gunicorn with production settings (the
   repository's ``gunicorn.conf.py``, 2 workers), the province user's bearer token, each page loaded
   at 8 concurrent connections (``wrk`` when on PATH), ``--rounds`` runs each, each run right
   after one of hello; req/s, p50, p99, the ratio hello/page (req/s) of each round, and the
   verdict on the median hello over the median page.

The verdicts are on the ratios: every page within 5× hello, and the ratio flat from half to full
size (the 300th page by number is printed for comparison; it counts past 6,000 rows).

``--reuse`` keeps the database of the last run and measures it once (at its size).

Usage: .venv/bin/python bench/lists.py [--projects 100000] [--payments 2000000] [--requests 40]
                                       [--reuse] [--http] [--duration 5] [--rounds 3]
"""
import argparse
import json
import statistics
import tempfile
import urllib.request
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from risk_scan import H, connect, county_of, migrate, reset_postgres, sqlalchemy_url  # noqa: E402
from scan_vs_hello import CONNECTIONS, USE_WRK, Meter, combine, gunicorn, load  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_URL = "postgresql://postgres@127.0.0.1:5432/jicai_bench_lists"
CITIES, COUNTIES, TOWNSHIPS, VILLAGES = 11, 90, 1360, 20000
PASSWORD = "Bench@2026list"
TARGET_RATIO = 5.0
PER_PAGE, DEEP = 20, 300


def regions_sql():
    """Ids: 1 the province, 1+c city c, 12+k county k, 102+t township t, 1462+v village v; each
    level spread round-robin over the one above."""
    city = "lpad(c::text, 2, '0')"
    return f"""
        INSERT INTO regions (id, code, name, level, parent_id, path)
          VALUES (1, '330000000000', '浙江省', 'province', NULL, '/330000000000/');
        INSERT INTO regions (id, code, name, level, parent_id, path)
          SELECT 1 + c, '33' || {city} || '00000000', '基准市' || c, 'city', 1,
                 '/330000000000/33' || {city} || '00000000/' FROM generate_series(1, {CITIES}) c;
        INSERT INTO regions (id, code, name, level, parent_id, path)
          SELECT 12 + k, left(p.code, 4) || lpad(k::text, 2, '0') || '000000', '基准县' || k, 'county', p.id,
                 p.path || left(p.code, 4) || lpad(k::text, 2, '0') || '000000/'
          FROM generate_series(1, {COUNTIES}) k JOIN regions p ON p.id = 2 + (k - 1) % {CITIES};
        INSERT INTO regions (id, code, name, level, parent_id, path)
          SELECT 102 + t, left(p.code, 6) || lpad(t::text, 4, '0') || '00', '基准乡镇' || t, 'township', p.id,
                 p.path || left(p.code, 6) || lpad(t::text, 4, '0') || '00/'
          FROM generate_series(1, {TOWNSHIPS}) t JOIN regions p ON p.id = 13 + (t - 1) % {COUNTIES};
        INSERT INTO regions (id, code, name, level, parent_id, path)
          SELECT 1462 + v, left(p.code, 10) || lpad((v / {TOWNSHIPS} + 1)::text, 2, '0'), '基准村' || v,
                 'village', p.id, p.path || left(p.code, 10) || lpad((v / {TOWNSHIPS} + 1)::text, 2, '0') || '/'
          FROM generate_series(1, {VILLAGES}) v JOIN regions p ON p.id = 103 + (v - 1) % {TOWNSHIPS};
        INSERT INTO units (id, name, kind, region_id, created_at)
          SELECT t, '基准乡镇' || t || '财政所', '乡镇财政所', 102 + t, now() FROM generate_series(1, {TOWNSHIPS}) t;
        INSERT INTO subsidy_policies (id, region_id, year, name, category, standard_amount, unit,
                                      excludes_public_employees, exclusive_with, created_at)
          VALUES (1, 1, 2026, '耕地地力保护补贴', '种粮补贴', 120, '元/亩', true, '[]'::json, now());"""


def facts_sql(first, last, pay_first, pay_last):
    """Projects ``first..last`` in villages round-robin; beneficiaries one per 12 payments and their
    payments ``pay_first..pay_last``, one a month."""
    village = f"1463 + ({H('g', 'village')} % {VILLAGES})"
    return f"""
        INSERT INTO projects (id, ref_no, name, category, region_id, county_id, unit_id, stage, budget,
                              funding_sources, progress_pct, created_at, updated_at, stage_changed_at, chain_head,
                              event_count)
        SELECT g, 'BL-' || lpad(g::text, 8, '0'), '基准项目' || g, '道路交通', {village}, {county_of(village)},
               1 + ({village} - 1463) % {TOWNSHIPS}, 'construction', 100000, '[]'::json, 50,
               now() - interval '400 days', now() - ({H('g', 'updated')} % (365 * 86400)) * interval '1 second',
               now() - interval '30 days', '', 0
        FROM generate_series({first}, {last}) g;
        INSERT INTO beneficiaries (id, region_id, county_id, name, id_enc, id_hash, id_mask, created_at, updated_at)
          SELECT b, 1463 + {H('b', 'village')} % {VILLAGES}, {county_of(f"1463 + {H('b', 'village')} % {VILLAGES}")},
                 '村民' || b, 'x', md5('id' || b), '3301**********' || b % 10,
                 now(), now() FROM generate_series({pay_first // 12 + 1}, {pay_last // 12}) b;
        INSERT INTO disbursements (region_id, county_id, policy_id, beneficiary_id, period, quantity, amount, status,
                                   row_key)
          SELECT b.region_id, b.county_id, 1, b.id, '2026-' || lpad((1 + i % 12)::text, 2, '0'), 8.5, 1020, 'paid', md5('row' || i)
          FROM generate_series({pay_first}, {pay_last}) i JOIN beneficiaries b ON b.id = 1 + (i - 1) / 12;
        INSERT INTO risk_warnings (rule_code, subject_key, subject_type, project_id, region_id, county_id, level,
                                   status, evidence, fingerprint, first_seen_at, last_seen_at)
          SELECT r.code, 'project:' || g, 'project', g, {village}, {county_of(village)}, r.level,
                 CASE WHEN {H('g', 'status')} % 5 = 0 THEN 'resolved' ELSE 'open' END, r.evidence::json, md5('w' || g),
                 now() - interval '200 days', now() - ({H('g', 'seen')} % (180 * 86400)) * interval '1 second'
          FROM generate_series({first}, {last}) g
          JOIN (VALUES (0, 'payment_ahead_of_progress', 'red', '{{"stage": "construction", "budget": "100000.00", "paid_total": "80000.00",
                          "paid_share": "80%", "allowed_share": "60%"}}'),
                       (1, 'stage_overdue', 'orange',
                        '{{"stage": "construction", "planned_end_on": "2026-06-30", "days_overdue": 150}}'),
                       (2, 'no_recent_inspection', 'yellow',
                        '{{"stage": "construction", "last_inspection_on": "2026-09-01", "days": 93}}'),
                       (3, 'no_recent_inspection', 'yellow',
                        '{{"stage": "construction", "last_inspection_on": null, "days": 120}}'))
               r(k, code, level, evidence) ON r.k = {H('g', 'rule')} % 4;
        SELECT setval(pg_get_serial_sequence('projects', 'id'), {last});"""


def province_user(app):
    from backend.core.models import Region, User
    from backend.core.auth import hash_password
    from backend.extensions import db
    with app.app_context():
        db.session.add(User(username="bench_province", display_name="省财政厅", role="province",
                            password_hash=hash_password(PASSWORD), region_id=db.session.get(Region, 1).id))
        db.session.commit()


def signed_in(app):
    client = app.test_client()
    r = client.post("/api/v1/auth/login", json={"username": "bench_province", "password": PASSWORD})
    assert r.status_code == 200, r.get_json()
    return client


def deep_cursor(client, path):
    """The ``next`` that leads to page ``DEEP`` (walking the pages by key, as a client would)."""
    after = None
    for _ in range(DEEP - 1):
        page = client.get(path + (f"&after={after}" if after else "")).get_json()
        after = page["next"]
    return after


def timed(client, path, n):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        r = client.get(path)
        times.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, (path, r.status_code, r.get_data()[:300])
    return times


def p(values, q):
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def pages(client):
    """{name: path} of the pages measured (the cursors walked in-process, as a client would)."""
    cases = {}
    for kind, path in (("projects", f"/api/v1/projects?per_page={PER_PAGE}"),
                       ("warnings", f"/api/v1/risks?per_page={PER_PAGE}"),
                       ("payments", f"/api/v1/subsidies/disbursements?per_page={PER_PAGE}")):
        cases[f"{kind} first page"] = path
        cases[f"{kind} page {DEEP} by number"] = f"{path}&page={DEEP}"
        deep = f"{path}&after={deep_cursor(client, path)}"
        cases[f"{kind} page {DEEP} by key"] = deep
        cases[f"{kind} page {DEEP - 1} back by key"] = f"{path}&after={client.get(deep).get_json()['prev']}"
    return cases


def measure(client, n):
    """{name: (p50, p99, ratio of p50 to hello's p50)} for the pages, hello interleaved."""
    cases = pages(client)
    hello, result = [], {}
    for name, path in cases.items():
        timed(client, path, 3)  # warm
        for _ in range(n // 10):
            hello += timed(client, "/api/v1/hello", 10)
            result.setdefault(name, []).extend(timed(client, path, 10))
    base = statistics.median(hello)
    out = {"hello": (base, p(hello, 99), 1.0)}
    for name, times in result.items():
        out[name] = (statistics.median(times), p(times, 99), statistics.median(times) / base)
    return out


def over_http(url, cases, duration, rounds):
    """The pages through one gunicorn (production settings) at ``CONNECTIONS`` connections: for
    each page ``rounds`` runs, each right after a run of hello; {name: [(hello's run, the page's
    run), …]} and hello's runs combined."""
    workdir = tempfile.mkdtemp(prefix="bench-lists-")
    meter = Meter(Path(workdir) / "gunicorn.log", url)
    with gunicorn(url, workdir, Path(workdir) / "gunicorn.log") as base:
        request = urllib.request.Request(f"{base}/api/v1/auth/token", method="POST", headers={
            "Content-Type": "application/json"}, data=json.dumps({"username": "bench_province",
                                                                  "password": PASSWORD}).encode())
        with urllib.request.urlopen(request, timeout=10) as response:
            auth = {"Authorization": f"Bearer {json.load(response)['access_token']}"}
        load(f"{base}/api/v1/hello", 2)
        hello, result = [], {}
        for name, path in {"auth/me": "/api/v1/auth/me", **cases}.items():
            load(f"{base}{path}", 1, auth)  # warm
            result[name] = []
            for _ in range(rounds):
                hello.append(meter.run(f"{base}/api/v1/hello", duration))
                page = meter.run(f"{base}{path}", duration, auth)
                assert page["errors"] == 0, (name, page)
                result[name].append((hello[-1], page))
    return combine(hello), result


def report_http(hello, result, duration, rounds):
    """Two ratios per page, each the median of the hello runs beside it against the median of its
    own runs: by throughput (hello's req/s ÷ the page's) and by cost (the page's CPU per request,
    workers and PostgreSQL, ÷ hello's). Throughput moves with how the connections fell between the
    workers in each run; cost does not, and on a machine bound by its CPU it is what throughput
    would be with the connections evenly spread. The verdict is on the cost."""
    tool = "wrk -t2" if USE_WRK else "Python http.client, 8 threads"
    print(f"\nOver HTTP — one gunicorn (production settings, 2 workers), {CONNECTIONS} connections, "
          f"{duration} s per run ({tool}), {rounds} rounds per page, each page's run right after one of hello")
    print(f"{'':<34}{'req/s':>7}{'p50 ms':>8}{'p99 ms':>8}{'CPU ms/req':>11}{'by req/s':>10}{'(rounds)':>20}"
          f"{'by CPU':>8}{'(rounds)':>20}")
    print(f"{'hello':<34}{hello['rps']:7.0f}{hello['p50']:8.2f}{hello['p99']:8.2f}"
          f"{statistics.median(run['cpu_ms'] for run in hello_runs(result)):11.2f}")
    verdicts = []
    for name, runs in result.items():
        page = combine([p for _, p in runs])
        by_rps = statistics.median(h["rps"] for h, _ in runs) / statistics.median(p["rps"] for _, p in runs)
        by_cpu = statistics.median(p["cpu_ms"] for _, p in runs) / statistics.median(h["cpu_ms"] for h, _ in runs)
        rps_each = " / ".join(f"{h['rps'] / p['rps']:.1f}" for h, p in runs)
        cpu_each = " / ".join(f"{p['cpu_ms'] / h['cpu_ms']:.1f}" for h, p in runs)
        print(f"{name:<34}{page['rps']:7.0f}{page['p50']:8.2f}{page['p99']:8.2f}"
              f"{statistics.median(p['cpu_ms'] for _, p in runs):11.2f}{by_rps:10.2f}{rps_each:>20}{by_cpu:8.2f}{cpu_each:>20}")
        if "by number" not in name and name != "auth/me":
            verdicts.append((name, by_cpu, by_rps))
    print()
    for name, by_cpu, by_rps in verdicts:
        print(f"{name:<34} over HTTP within {TARGET_RATIO:g}× hello: {'MET' if by_cpu <= TARGET_RATIO else 'NOT MET'} "
              f"(cost {by_cpu:.2f}×; throughput {by_rps:.2f}×)")


def hello_runs(result):
    return [h for runs in result.values() for h, _ in runs]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--payments", type=int, default=2_000_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--reuse", action="store_true", help="keep the database of the last run; measure it once")
    parser.add_argument("--http", action="store_true", help="also measure the pages through gunicorn")
    parser.add_argument("--duration", type=int, default=5, help="seconds per run over HTTP")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each page over HTTP, each beside one of hello")
    args = parser.parse_args()
    if args.reuse:
        reuse(args)
        return
    reset_postgres(args.pg_url)
    migrate(sqlalchemy_url(args.pg_url))
    conn = connect(args.pg_url)
    conn.execute(regions_sql())
    from backend import create_app
    app = create_app({"SQLALCHEMY_DATABASE_URI": sqlalchemy_url(args.pg_url), "QUEUE_URL": "memory://",
                      "SECRET_KEY": "bench-" * 8})
    province_user(app)
    half_p, half_m = args.projects // 2, args.payments // 2
    sizes = {}
    for step, (first, last, pay_first, pay_last) in enumerate(
            [(1, half_p, 1, half_m), (half_p + 1, args.projects, half_m + 1, args.payments)]):
        t0 = time.perf_counter()
        conn.execute(facts_sql(first, last, pay_first, pay_last))
        conn.execute("VACUUM ANALYZE")
        print(f"generated projects ≤ {last:,}, payments ≤ {pay_last:,} in {time.perf_counter() - t0:.0f} s")
        client = signed_in(app)
        sizes[(last, pay_last)] = measure(client, args.requests)
    (small, figures_small), (large, figures_large) = sizes.items()
    print(f"\n{'':<34}{'p50 ms':>9}{'p99 ms':>9}{'×hello':>8}{'p50 ms':>9}{'p99 ms':>9}{'×hello':>8}")
    print(f"{'':<34}{f'{small[0]:,} projects / {small[1]:,} payments':>26}{f'{large[0]:,} / {large[1]:,}':>26}")
    verdicts = []
    for name in figures_large:
        a, b = figures_small[name], figures_large[name]
        print(f"{name:<34}{a[0]:9.1f}{a[1]:9.1f}{a[2]:8.2f}{b[0]:9.1f}{b[1]:9.1f}{b[2]:8.2f}")
        if name != "hello" and "by number" not in name:
            verdicts.append((name, b[2] <= TARGET_RATIO, b[2] / a[2]))
    print()
    for name, met, growth in verdicts:
        print(f"{name:<34} within {TARGET_RATIO:g}× hello: {'MET' if met else 'NOT MET'}; "
              f"full ÷ half size {growth:.2f} ({'flat' if growth < 1.5 else 'GROWS'})")
    if args.http:
        report_http(*over_http(args.pg_url, pages(client), args.duration, args.rounds), args.duration, args.rounds)


def reuse(args):
    """Measure the database of the last run as it is (in-process, and over HTTP with ``--http``)."""
    from backend import create_app
    app = create_app({"SQLALCHEMY_DATABASE_URI": sqlalchemy_url(args.pg_url), "QUEUE_URL": "memory://",
                      "SECRET_KEY": "bench-" * 8})
    client = signed_in(app)
    figures = measure(client, args.requests)
    print(f"\n{'':<34}{'p50 ms':>9}{'p99 ms':>9}{'×hello':>8}   (in-process, the database as the last run left it)")
    for name, (p50, p99, ratio) in figures.items():
        print(f"{name:<34}{p50:9.1f}{p99:9.1f}{ratio:8.2f}")
    if args.http:
        report_http(*over_http(args.pg_url, pages(client), args.duration, args.rounds), args.duration, args.rounds)


if __name__ == "__main__":
    main()
