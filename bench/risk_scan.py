"""Risk scan: what a full rule scan of a whole county costs, relative to one pass over its payments.

On PostgreSQL (``postgresql://postgres@127.0.0.1:5432/jicai_bench3``, dropped and recreated) this
script

1. migrates an empty database with the real CLI (``flask --app wsgi db upgrade``),
2. generates a synthetic county with set-based SQL (``INSERT ... SELECT ... generate_series``, no
   ORM): 20 townships with 5 villages each, 20,000 projects over all stages, 200,000 payments,
   100,000 inspections and 400 rectifications, with a few of each kind of risk planted in it, then
   ``VACUUM ANALYZE``,
3. times the baseline: ``SELECT count(*), sum(amount) FROM project_payments`` forced to a plain
   sequential scan (no index or bitmap scans, no parallel workers), best of 3,
4. in-process (``create_app`` + ``backend.risks.engine.scan()`` + commit), times the first scan,
   which opens every warning (with its timeline event and inbox messages), then the second scan
   with nothing changed — the clock is pinned to one instant for all scans, so time-only evidence
   (days overdue) cannot tick over between them — and checks that it wrote nothing: row counts,
   an md5 of every risk_warnings row, and the insert/update/delete counters of pg_stat_user_tables,
5. times more steady-state scans (best of 3), and each rule alone (its query, ``rule.find``, and
   the engine's ``scan([code])`` around it), with a one-line summary of each rule's query plan,
6. times the baseline again, so the ratio uses the best baseline of both (drift hits both sides).

The machine is small and shared, so absolute numbers mean little; the verdicts are on the ratio
steady-state scan / payments seq scan (target <= 10) and on the second scan's writes (target 0).

Usage: .venv/bin/python bench/risk_scan.py [--repeat 3] [--explain] [--pg-url URL]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = ROOT / ".venv" / "bin"

PG_URL = "postgresql://postgres@127.0.0.1:5432/jicai_bench3"
TOWNSHIPS, VILLAGES = 20, 5
PROJECTS, PAYMENTS, INSPECTIONS, RECTIFICATIONS = 20_000, 200_000, 100_000, 400
TARGET_RATIO = 10.0
WATCHED = ("risk_warnings", "lifecycle_events", "notifications", "audit_logs", "projects")
BASELINE_SQL = "SELECT count(*), sum(amount) FROM project_payments"


# ---------------------------------------------------------------------------------------------
# The database
# ---------------------------------------------------------------------------------------------

def sqlalchemy_url(url):
    return "postgresql+psycopg://" + url[len("postgresql://"):] if url.startswith("postgresql://") else url


def reset_postgres(url):
    """Drop and recreate the benchmark database; exit with a note when no server answers."""
    import psycopg
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as err:
        sys.exit(f"PostgreSQL unreachable at {admin_url} ({str(err).strip().splitlines()[0]})")


def migrate(url):
    env = {**os.environ, "DATABASE_URL": url, "JICAI_ENV": "development", "QUEUE_URL": "memory://"}
    result = subprocess.run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"flask db upgrade failed:\n{result.stdout}\n{result.stderr}")


def connect(url):
    import psycopg
    return psycopg.connect(url, autocommit=True)


# ---------------------------------------------------------------------------------------------
# The synthetic county. H(x, salt) is a deterministic pseudo-random integer in [0, 2^31), so every
# run generates the same data. Township t (1..20) owns projects g with g % 20 = t - 1.
# ---------------------------------------------------------------------------------------------

def H(x, salt):
    return f"(hashtext('{salt}' || ({x})::text)::bigint & 2147483647)"


def county_of(region):
    """SQL: the county of the region ``region`` (an SQL expression), as the app fills ``county_id``:
    the region whose code is the third of the path's."""
    return (f"(SELECT c.id FROM regions AS r JOIN regions AS c ON c.code = split_part(r.path, '/', 4) "
            f"WHERE r.id = {region})")


STAGE_ARRAY = ("(ARRAY['approved','tendering','contracted','construction','acceptance','settlement',"
               "'audit','archived'])")
# RISK_STAGE_PAID_SHARE, per stage: what a normal project has paid at most.
ALLOWED = ("CASE p.stage WHEN 'contracted' THEN 0.3 WHEN 'construction' THEN 0.7 WHEN 'acceptance' "
           "THEN 0.85 WHEN 'settlement' THEN 0.95 ELSE 1.0 END")
COUNTY_PATH = "/330000000000/330100000000/330112000000/"
TOWN_CODE = "'330112' || lpad(t::text, 3, '0') || '000'"
VILLAGE_CODE = "'330112' || lpad(t::text, 3, '0') || '2' || lpad(v::text, 2, '0')"


def generation_steps():
    """(label, SQL) in order. Ids: regions 1 province, 2 city, 3 county, 3+t township t,
    23+5(t-1)+v village v of township t; users 1 county, 1+t lead of t, 21+t inspector of t;
    units t; projects 1..20,000."""
    town_path = f"'{COUNTY_PATH}' || {TOWN_CODE} || '/'"
    project_town = "(1 + g % 20)"
    slot = "((g / 20) % 6)"  # 0: the township itself, 1..5: one of its villages
    regions = f"""
        INSERT INTO regions (id, code, name, level, parent_id, path, lat, lng) VALUES
          (1, '330000000000', '浙江省', 'province', NULL, '/330000000000/', 30.27, 120.15),
          (2, '330100000000', '杭州市', 'city', 1, '/330000000000/330100000000/', 30.27, 120.15),
          (3, '330112000000', '基准县', 'county', 2, '{COUNTY_PATH}', 30.23, 119.72);
        INSERT INTO regions (id, code, name, level, parent_id, path, lat, lng)
          SELECT 3 + t, {TOWN_CODE}, '基准乡镇' || t, 'township', 3, {town_path},
                 30.0 + t * 0.02, 119.5 + t * 0.02 FROM generate_series(1, {TOWNSHIPS}) t;
        INSERT INTO regions (id, code, name, level, parent_id, path, lat, lng)
          SELECT 23 + (t - 1) * {VILLAGES} + v, {VILLAGE_CODE}, '基准乡镇' || t || '第' || v || '村', 'village',
                 3 + t, {town_path} || {VILLAGE_CODE} || '/', 30.0 + t * 0.02 + v * 0.003,
                 119.5 + t * 0.02 + v * 0.003
          FROM generate_series(1, {TOWNSHIPS}) t, generate_series(1, {VILLAGES}) v;"""
    users = f"""
        INSERT INTO users (id, username, display_name, password_hash, role, region_id, active, created_at)
          VALUES (1, 'bench_county', '县财政局', 'bench-not-a-hash', 'county', 3, true, now());
        INSERT INTO users (id, username, display_name, password_hash, role, region_id, active, created_at)
          SELECT 1 + t, 'bench_lead_' || t, '乡镇负责人' || t, 'bench-not-a-hash', 'township_lead', 3 + t,
                 true, now() FROM generate_series(1, {TOWNSHIPS}) t;
        INSERT INTO users (id, username, display_name, password_hash, role, region_id, active, created_at)
          SELECT 21 + t, 'bench_insp_' || t, '巡查员' || t, 'bench-not-a-hash', 'inspector', 3 + t,
                 true, now() FROM generate_series(1, {TOWNSHIPS}) t;
        INSERT INTO units (id, name, kind, region_id, created_at)
          SELECT t, '基准乡镇' || t || '财政所', '乡镇财政所', 3 + t, now() FROM generate_series(1, {TOWNSHIPS}) t;"""
    # Stages uniform; contractors from the contract on — in townships 1..3 one group holds half of
    # them (contractor_concentration); 10 % planned to end in the past (stage_overdue).
    projects = f"""
        INSERT INTO projects (id, ref_no, name, category, region_id, county_id, unit_id, stage, budget,
                              funding_sources, contractor, contract_amount, site_address, lat, lng,
                              planned_start_on, planned_end_on, progress_pct, description, created_at,
                              updated_at, stage_changed_at, chain_head, event_count)
        SELECT g, 'BENCH-' || lpad(g::text, 5, '0'), '基准项目' || g,
               (ARRAY['道路交通','农田水利','美丽乡村','人居环境','公共服务','产业发展','生态保护','其他'])[1 + {H('g', 'cat')} % 8],
               CASE WHEN {slot} = 0 THEN 3 + {project_town}
                    ELSE 23 + ({project_town} - 1) * {VILLAGES} + {slot} END,
               3, {project_town}, {STAGE_ARRAY}[1 + s],
               round(100000 + ({H('g', 'budget')} % 490000000) / 100.0, 2),
               '[]'::json,
               CASE WHEN s < 2 THEN NULL
                    WHEN {project_town} <= 3 AND {H('g', 'dominant')} % 2 = 0 THEN '基准城建集团' || {project_town}
                    ELSE '承建公司' || lpad(({H('g', 'contractor')} % 80)::text, 2, '0') END,
               NULL, '基准乡镇' || {project_town} || '某处',
               30.0 + {project_town} * 0.02 + ({H('g', 'lat')} % 1000) / 100000.0,
               119.5 + {project_town} * 0.02 + ({H('g', 'lng')} % 1000) / 100000.0,
               current_date - ({H('g', 'start')} % 400)::int,
               CASE WHEN {H('g', 'late')} % 10 = 0 THEN current_date - (1 + {H('g', 'end')} % 180)::int
                    ELSE current_date + (1 + {H('g', 'end')} % 540)::int END,
               s * 14, NULL,
               now() - interval '400 days' + ({H('g', 'created')} % 86400) * interval '1 second',
               now() - ({H('g', 'updated')} % 86400) * interval '1 second',
               now() - ({H('g', 'since')} % (200 * 86400)) * interval '1 second', '', 0
        FROM (SELECT g, ({H('g', 'stage')} % 8)::int AS s FROM generate_series(1, {PROJECTS}) g) x;
        UPDATE projects SET contract_amount = round(budget * 0.95, 2) WHERE contractor IS NOT NULL;"""
    # Payments round-robin over the projects past the contract: a normal project has paid 40-94 %
    # of what its stage allows, 1 in 150 paid its share + 25 % (payment_ahead_of_progress), 1 in 200
    # has a first payment of 55 % of the budget (single_payment_over_half).
    payments = f"""
        CREATE TEMP TABLE bench_payable AS
          SELECT row_number() OVER (ORDER BY p.id) - 1 AS n, p.id, p.budget, p.contractor,
                 CASE WHEN {H('p.id', 'over')} % 150 = 0 THEN {ALLOWED} + 0.25
                      ELSE {ALLOWED} * (0.40 + ({H('p.id', 'f')} % 55) / 100.0) END AS share,
                 {H('p.id', 'big')} % 200 = 1 AS big
          FROM projects p WHERE p.contractor IS NOT NULL;
        CREATE UNIQUE INDEX ON bench_payable (n);
        ANALYZE bench_payable;
        INSERT INTO project_payments (project_id, county_id, amount, paid_on, payee, voucher_no, funding_source,
                                      created_by_id, created_at)
        SELECT b.id, 3,
               CASE WHEN b.big AND k.seq = 0 THEN round(b.budget * 0.55, 2)
                    ELSE greatest(0.01, round(b.budget * b.share / k.per
                                              * (0.85 + ({H('k.i', 'jitter')} % 31) / 100.0), 2)) END,
               current_date - ({H('k.i', 'paid')} % 365)::int, b.contractor,
               'PZ' || lpad(k.seq::text, 4, '0'),
               (ARRAY['省级专项资金','市级补助资金','区级配套资金'])[1 + k.i % 3], 1,
               now() - ({H('k.i', 'created')} % (365 * 86400)) * interval '1 second'
        FROM (SELECT i, i % c.cnt AS n, i / c.cnt AS seq,
                     {PAYMENTS} / c.cnt + CASE WHEN i % c.cnt < {PAYMENTS} % c.cnt THEN 1 ELSE 0 END AS per
              FROM generate_series(0, {PAYMENTS} - 1) i, (SELECT count(*) AS cnt FROM bench_payable) c) k
        JOIN bench_payable b ON b.n = k.n;"""
    # Inspections: 90 % on active projects, 10 % on any; created within the last 120 days; 1 in 500
    # recorded far from the site (inspection_flagged).
    active = """
        CREATE TEMP TABLE bench_active AS
          SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, region_id, lat, lng
          FROM projects WHERE stage IN ('contracted', 'construction', 'acceptance');
        CREATE UNIQUE INDEX ON bench_active (n);
        ANALYZE bench_active;"""

    def inspections(first, last, source):
        pick = (f"JOIN bench_active p ON p.n = {H('i', 'project')} % (SELECT count(*) FROM bench_active)"
                if source == "active" else f"JOIN projects p ON p.id = 1 + {H('i', 'project')} % {PROJECTS}")
        off = f"{H('i', 'off')} % 500 = 0"
        return f"""
        INSERT INTO inspections (client_uuid, project_id, region_id, county_id, inspector_id, verdict, findings,
                                 checklist, lat, lng, accuracy_m, distance_m, off_site, position_missing,
                                 reused_photo, recorded_at, created_at)
        SELECT md5('inspection-' || i)::uuid::text, p.id, p.region_id, 3, 22 + p.id % 20,
               CASE WHEN {H('i', 'verdict')} % 7 = 0 THEN 'problem' ELSE 'normal' END, '', '[]'::json,
               p.lat + 0.0005, p.lng + 0.0005, 12.0,
               CASE WHEN {off} THEN 600 + {H('i', 'dist')} % 3000 ELSE {H('i', 'dist')} % 300 END, {off},
               false, false, c.at - ({H('i', 'rec')} % 3600) * interval '1 second', c.at
        FROM generate_series({first}, {last}) i
        {pick}
        CROSS JOIN LATERAL (
          SELECT now() - ({H('i', 'created')} % (120 * 86400)) * interval '1 second' AS at) c;"""

    # Rectifications on active projects: due from 25 days ago to 35 days ahead, 60 % open,
    # 20 % submitted, 20 % approved (rectification_overdue: open or submitted, past due).
    rectifications = f"""
        INSERT INTO rectifications (project_id, region_id, county_id, requirement, responsible_id, created_by_id,
                                    due_on, status, version, created_at)
        SELECT p.id, p.region_id, 3, '整改要求 ' || r, 2 + p.id % 20, 1,
               current_date + ({H('r', 'due')} % 60 - 25)::int,
               CASE WHEN {H('r', 'status')} % 10 < 6 THEN 'open'
                    WHEN {H('r', 'status')} % 10 < 8 THEN 'submitted' ELSE 'approved' END,
               1, now() - interval '40 days'
        FROM generate_series(1, {RECTIFICATIONS}) r
        JOIN bench_active p ON p.n = {H('r', 'project')} % (SELECT count(*) FROM bench_active);"""
    sequences = "".join(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT max(id) FROM {t}));"
                        for t in ("regions", "users", "units", "projects"))
    return [("regions, users, units", regions + users), ("projects", projects), ("payments", payments),
            ("inspections", active + inspections(1, INSPECTIONS * 9 // 10, "active")
             + inspections(INSPECTIONS * 9 // 10 + 1, INSPECTIONS, "any")),
            ("rectifications", rectifications), ("sequences", sequences)]


def generate(conn):
    started = time.perf_counter()
    for label, sql in generation_steps():
        t0 = time.perf_counter()
        conn.execute(sql)
        print(f"  {label:<24}{time.perf_counter() - t0:7.1f} s")
    t0 = time.perf_counter()
    conn.execute("VACUUM ANALYZE")
    print(f"  {'VACUUM ANALYZE':<24}{time.perf_counter() - t0:7.1f} s")
    print(f"  generated in {time.perf_counter() - started:.1f} s")


def sizes(conn):
    tables = ("regions", "users", "projects", "project_payments", "inspections", "rectifications")
    counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    towns = conn.execute("SELECT count(*) FROM regions WHERE level = 'township'").fetchone()[0]
    stages = conn.execute("SELECT string_agg(stage || ' ' || n, ', ' ORDER BY n DESC) FROM "
                          "(SELECT stage, count(*) n FROM projects GROUP BY stage) s").fetchone()[0]
    pay_mb = conn.execute("SELECT pg_total_relation_size('project_payments') / 1e6").fetchone()[0]
    print(f"  {towns} townships, {counts['regions']} regions, {counts['users']} users")
    print(f"  {counts['projects']:,} projects ({stages})")
    print(f"  {counts['project_payments']:,} payments ({pay_mb:.1f} MB with indexes), "
          f"{counts['inspections']:,} inspections, {counts['rectifications']:,} rectifications")


# ---------------------------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------------------------

def baseline(conn, repeat, sql=BASELINE_SQL, table="project_payments"):
    """Seconds of one forced sequential scan of ``table`` (best of ``repeat``)."""
    for setting in ("enable_indexscan", "enable_indexonlyscan", "enable_bitmapscan"):
        conn.execute(f"SET {setting} = off")
    conn.execute("SET max_parallel_workers_per_gather = 0")
    plan = [r[0] for r in conn.execute("EXPLAIN " + sql)]
    assert any(f"Seq Scan on {table}" in line for line in plan), plan
    conn.execute(sql)  # warm the cache
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        count, total = conn.execute(sql).fetchone()
        runs.append(time.perf_counter() - t0)
    conn.execute("RESET ALL")
    return min(runs), runs, count, total


def snapshot(conn, watched_tables=WATCHED):
    """Row counts and pg_stat write counters of the watched tables, all tables' counters summed,
    and an md5 over every risk_warnings row."""
    conn.execute("SELECT pg_stat_clear_snapshot()")
    stats = {name: (ins, upd, dele) for name, ins, upd, dele in conn.execute(
        "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables")}
    watched = {t: (conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0], sum(stats.get(t, (0, 0, 0))))
               for t in watched_tables}
    everything = sum(sum(v) for v in stats.values())
    digest = conn.execute("SELECT md5(coalesce(string_agg(w::text, '|' ORDER BY id), '')) "
                          "FROM risk_warnings w").fetchone()[0]
    return {"tables": watched, "all": everything, "md5": digest}


def compare(before, after):
    """{table: (rows added, pg_stat writes)}, pg_stat writes in all tables, risk_warnings changed?"""
    tables = {t: tuple(a - b for a, b in zip(after["tables"][t], before["tables"][t])) for t in before["tables"]}
    return tables, after["all"] - before["all"], before["md5"] != after["md5"]


def writes_line(diff):
    tables, everything, changed = diff
    parts = ", ".join(f"{t} {rows:+d} rows / {w} writes" for t, (rows, w) in tables.items())
    return f"{parts}; all tables {everything} writes; risk_warnings md5 {'CHANGED' if changed else 'same'}"


def no_writes(diff):
    tables, everything, changed = diff
    return not changed and everything == 0 and all(rows == 0 and w == 0 for rows, w in tables.values())


@contextmanager
def captured_sql(engine):
    """Collect (statement, parameters) of everything ``engine`` executes inside the block."""
    from sqlalchemy import event
    seen = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))
    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def plan_summary(plan):
    """'12.3 ms; Seq Scan on inspections (loops 1), ...' from an EXPLAIN (ANALYZE, FORMAT JSON) plan."""
    nodes = []

    def walk(node):
        if "Relation Name" in node:
            nodes.append(f"{node['Node Type']} on {node['Relation Name']}"
                         + (f" ×{node['Actual Loops']}" if node.get("Actual Loops", 1) > 1 else ""))
        for child in node.get("Plans", []):
            walk(child)
    walk(plan["Plan"])
    return f"{plan['Execution Time']:.1f} ms: " + ", ".join(nodes)


class Scanner:
    """The app, in-process, with the clock pinned to one instant for every scan."""

    def __init__(self, url, storage_dir):
        from backend import create_app
        from backend.core import clock
        self.app = create_app({"SQLALCHEMY_DATABASE_URI": sqlalchemy_url(url), "STORAGE_DIR": storage_dir,
                               "QUEUE_URL": "memory://"})  # the scans are timed here, not queued
        self.now = clock.now()

    @contextmanager
    def context(self):
        with self.app.app_context(), self.app.test_request_context():
            yield

    def warm(self):
        from sqlalchemy import text

        from backend.extensions import db
        db.session.execute(text("SELECT 1"))
        db.session.commit()

    def scan(self, codes=None):
        """(seconds, report) of one engine.scan + commit."""
        from backend.extensions import db
        from backend.risks import engine
        t0 = time.perf_counter()
        report = engine.scan(codes, now=self.now)
        db.session.commit()
        return time.perf_counter() - t0, report

    def find(self, code):
        """(seconds, hits) of the rule's own query and hit building."""
        from backend.extensions import db
        from backend.risks.rules import RULES, Context
        ctx = Context(config=self.app.config, now=self.now)
        t0 = time.perf_counter()
        hits = list(RULES[code].find(ctx))
        seconds = time.perf_counter() - t0
        db.session.commit()
        return seconds, len(hits)

    def explain(self, code, full=False):
        """[(statement, EXPLAIN (ANALYZE, FORMAT JSON) plan, EXPLAIN ANALYZE text or None)] for each
        statement the rule's find() runs."""
        from backend.extensions import db
        from backend.risks.rules import RULES, Context
        ctx = Context(config=self.app.config, now=self.now)
        with captured_sql(db.engine) as seen:
            list(RULES[code].find(ctx))
        plans = []
        for statement, parameters in seen:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue  # e.g. the shared per-scan payment totals (CREATE TEMPORARY TABLE … AS SELECT)
            conn = db.session.connection()
            raw = conn.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters).scalar()
            text = "\n".join(row[0] for row in conn.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)) if full else None
            plans.append((statement, (json.loads(raw) if isinstance(raw, str) else raw)[0], text))
        db.session.rollback()
        return plans

    def flush_stats(self):
        """Ask the app's backend to publish its table counters when it next goes idle (PG 15+)."""
        from sqlalchemy import text

        from backend.extensions import db
        db.session.execute(text("SELECT pg_stat_force_next_flush()"))
        db.session.commit()
        time.sleep(0.5)

    def close(self):
        from backend.extensions import db
        db.session.remove()
        db.engine.dispose()


def rule_table(scanner, codes, base, repeat, explain=False):
    """Each rule timed alone (its find(), and the engine's scan([code]) around it) with a one-line
    summary of its query plans; returns the sum of the scans in seconds."""
    print(f"\nPer rule (steady state, best of {repeat}): find() = the rule's query and hits; "
          "scan([code]) = find() + loading and comparing its warnings + commit")
    print(f"  {'rule':<28}{'hits':>7}{'find ms':>9}{'scan ms':>9}{'÷ base':>8}  query plan "
          "(EXPLAIN ANALYZE: time, scans)")
    total = 0.0
    for code in codes:
        t_find = min(scanner.find(code)[0] for _ in range(repeat))
        hits = scanner.find(code)[1]
        t_scan = min(scanner.scan([code])[0] for _ in range(repeat))
        total += t_scan
        plans = scanner.explain(code, full=explain)
        summary = " | ".join(plan_summary(p) for _, p, _ in plans)
        print(f"  {code:<28}{hits:>7}{t_find * 1000:>9.1f}{t_scan * 1000:>9.1f}{t_scan / base:>8.1f}  {summary}")
        if explain:
            for statement, _, text in plans:
                print("    " + statement.replace("\n", "\n    "))
                print("    " + text.replace("\n", "\n    "))
    print(f"  {'sum of the rules':<44}{total * 1000:>9.1f}{total / base:>8.1f}")
    return total


def print_report(report, label):
    print(f"  {label}: " + "; ".join(
        f"{code} " + "/".join(str(c[k]) for k in ("opened", "updated", "resolved", "reopened"))
        for code, c in report.items()) + "  (opened/updated/resolved/reopened)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL3", PG_URL))
    parser.add_argument("--repeat", type=int, default=3, help="runs of each timing, best is kept (3)")
    parser.add_argument("--explain", action="store_true", help="print each rule's full query plans")
    args = parser.parse_args()

    from backend.risks.rules import RULES

    print(f"== PostgreSQL: {args.pg_url}")
    reset_postgres(args.pg_url)
    migrate(args.pg_url)
    conn = connect(args.pg_url)
    print("Generating the county (set-based SQL):")
    generate(conn)
    sizes(conn)

    base, base_runs, count, total = baseline(conn, args.repeat)
    print(f"\nBaseline: {BASELINE_SQL} as a sequential scan — {count:,} rows, sum {total:,.2f}")
    print(f"  {base * 1000:.1f} ms (best of {args.repeat}: "
          + ", ".join(f"{r * 1000:.1f}" for r in base_runs) + " ms)")

    with tempfile.TemporaryDirectory(prefix="jicai-bench-") as storage:
        scanner = Scanner(args.pg_url, storage)
        with scanner.context():
            scanner.warm()
            print(f"\nScans (engine.scan + commit, clock pinned at {scanner.now:%Y-%m-%d %H:%M:%S} UTC)")
            before = snapshot(conn)
            first, report = scanner.scan()
            scanner.flush_stats()
            after_first = snapshot(conn)
            opened = sum(c["opened"] for c in report.values())
            print(f"  first scan:  {first:8.3f} s  = {first / base:7.1f} × baseline  "
                  f"({opened:,} warnings opened)")
            print_report(report, "first scan per rule")
            print(f"  first scan wrote: {writes_line(compare(before, after_first))}")

            second, report2 = scanner.scan()
            scanner.flush_stats()
            after_second = snapshot(conn)
            diff = compare(after_first, after_second)
            print(f"  second scan: {second:8.3f} s  = {second / base:7.1f} × baseline  (nothing changed)")
            print_report(report2, "second scan per rule")
            print(f"  second scan wrote: {writes_line(diff)}")

            steady = [second] + [scanner.scan()[0] for _ in range(args.repeat - 1)]
            best = min(steady)
            print("  steady-state scans: " + ", ".join(f"{s:.3f}" for s in steady)
                  + f" s; best {best:.3f} s, median {statistics.median(steady):.3f} s")

            rule_table(scanner, RULES, base, args.repeat, args.explain)
            scanner.flush_stats()
            after_all = snapshot(conn)
            later = compare(after_second, after_all)
            print(f"  all later steady-state scans wrote: {writes_line(later)}")
            scanner.close()

    # The baseline once more after the scans, so drift on a noisy machine lands on both sides.
    base_after, base_runs_after = baseline(conn, args.repeat)[:2]
    conn.close()
    print(f"\nBaseline again: {base_after * 1000:.1f} ms (best of {args.repeat}: "
          + ", ".join(f"{r * 1000:.1f}" for r in base_runs_after) + " ms)")
    if base_after < base:
        print(f"  the baseline is the best of both: {base_after * 1000:.1f} ms")
        base = base_after

    print_verdict("steady-state scan / payments seq scan", best, base, f"first scan {first / base:.1f}×", diff, later)


def print_verdict(what, best, base, first_note, diff, later, target=TARGET_RATIO):
    """The two targets of a risk benchmark: steady scan ÷ baseline, and nothing written on a rescan."""
    ratio = best / base
    print("\nVerdict")
    print(f"  {what}: {best * 1000:.0f} ms / {base * 1000:.1f} ms = "
          f"{ratio:.1f}× (target ≤ {target:.0f}×) {'MET' if ratio <= target else 'NOT MET'}"
          f"   [{first_note}, for information]")
    if no_writes(diff) and no_writes(later):
        print("  writes on second scan: 0 — MET")
    else:
        print(f"  writes on second scan: NOT MET — {writes_line(diff)}")
        if not no_writes(later):
            print(f"  and on later scans: {writes_line(later)}")


if __name__ == "__main__":
    main()
