"""Commands for operators and cron. They call the same services as the routes, and commit once."""
import functools
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import click
from flask import current_app

from .core.models import LEVEL_NAMES, ROLES
from .extensions import db

# Who the CLI acts as: the operator at the shell, whose scope is every region (audited as actor None).
OPERATOR = SimpleNamespace(id=None, is_authenticated=True, role="admin", region=SimpleNamespace(path="/"))
# Commands that run even when the production settings are incomplete: they help make them.
CONFIG_FREE = {"pii-new-key"}
# An import run's outcome in the Chinese summary line (the English line says the status code).
RUN_STATUS_ZH = {"accepted": "已导入", "rejected": "未导入（文件有问题，未改动任何数据）", "failed": "导入失败（未改动任何数据）"}


def _say(zh, en):
    """A summary line for the person at the terminal: Chinese first, then the same in English."""
    click.echo(zh)
    click.echo(en)


def _configured(app, callback):
    """Stop before doing anything when the app's settings were refused (see create_app)."""
    @functools.wraps(callback)
    def run(*args, **kwargs):
        error = app.extensions.get("jicai_config_error")
        if error is not None:
            raise click.ClickException(str(error))
        return callback(*args, **kwargs)
    return run


def _new_password(username, password):
    from .core import passwords
    problem = passwords.problem(password, username)
    if problem:
        raise click.ClickException(f"{problem[2]} ({problem[1]})")
    return password


def register(app):
    @app.cli.command("demo")
    def demo_command():
        """Load the Lin'an demo (regions, units, ~100 projects, users). Safe to run twice. Refused
        when JICAI_ENV=production: its users share a password published in the README."""
        if current_app.config["ENV"] == "production":
            raise click.ClickException("refusing to load the demo when JICAI_ENV=production: its ten users, "
                                       "admin among them, share the password published in the README")
        from .demo import loader
        created = loader.load()
        db.session.commit()
        click.echo(created)

    @app.cli.command("labels")
    @click.argument("region_code")
    @click.option("--kind", type=click.Choice(["all", "project", "unit", "village"]), default="all")
    @click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
                  help="Write the HTML sheet here (default: stdout). Print it from a browser or save as PDF.")
    def labels_command(region_code, kind, out):
        """Print a region's QR label sheet (A4 HTML, 21 labels a page)."""
        from .plaques.services import label_sheet, labels
        from .regions.services import by_code
        region = by_code(region_code)
        if region is None:
            raise click.ClickException(f"no region with code {region_code}")
        html = label_sheet(region, kind)
        if out:
            out.write_text(html, encoding="utf-8")
            click.echo(f"{len(labels(region, kind))} labels → {out}")
        else:
            sys.stdout.write(html)

    @app.cli.command("verify-chains")
    def verify_command():
        """Verify every project's lifecycle hash chain; exit 1 if any is broken."""
        from .projects.lifecycle import verify_all
        from .projects.models import Project
        broken = verify_all()
        total = db.session.query(Project).count()
        for project_id, problems in sorted(broken.items()):
            for problem in problems:
                click.echo(f"project {project_id}: {problem}")
        click.echo(f"{total} projects checked, {len(broken)} broken")
        if broken:
            sys.exit(1)

    @app.cli.command("risks-scan")
    @click.option("--rule", "rules", multiple=True, help="Only these rule codes (default: all).")
    @click.option("--project", "projects", multiple=True, type=int, help="Only these projects (ids).")
    @click.option("--region", "regions", multiple=True, help="Only these regions and below (codes).")
    def risks_scan_command(rules, projects, regions):
        """Run the risk rules once — over everything, some projects or some regions (idempotent;
        the worker runs the same scans by itself)."""
        from .regions.services import by_code
        from .risks.engine import scan
        from .risks.rules import RULES
        unknown = set(rules) - set(RULES)
        if unknown:
            raise click.ClickException(f"unknown rule(s): {', '.join(sorted(unknown))}")
        found = [by_code(code) for code in regions]
        if None in found:
            raise click.ClickException("unknown region code")
        report = scan(list(rules) or None, projects=projects or None,
                      regions=[r.id for r in found] or None)
        from . import jobs
        if projects or found:
            jobs.scanned(projects, [r.id for r in found])
        else:
            jobs.scanned()
        db.session.commit()
        for code, counts in report.items():
            click.echo(f"{code}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))

    @app.cli.command("overview")
    @click.argument("region_code")
    @click.option("--year", type=click.IntRange(2000, 2100), default=None, help="Default: this year.")
    @click.option("--json", "as_json", is_flag=True, help="The same JSON document as GET /api/v1/overview/<id>.")
    def overview_command(region_code, year, as_json):
        """A region's cockpit figures (本级 and 辖区), its children and its health index."""
        from .core import clock
        from .overview.schemas import OverviewOut
        from .overview.services import overview
        from .regions.services import by_code
        region = by_code(region_code)
        if region is None:
            raise click.ClickException(f"unknown region code {region_code}")
        doc = OverviewOut().dump(overview(region, year or clock.today().year))
        if as_json:
            click.echo(json.dumps(doc, ensure_ascii=False, indent=1))
            return
        score = doc["health"]["score"]
        click.echo(f"{region.name} {region.code} {doc['year']}: 健康指数 health {score or '—'} "
                   f"{(doc['health']['band'] or {}).get('zh', '')}")
        for name, meta in doc["figures"].items():
            click.echo(f"  {meta['zh']} {meta['en']}: 本级 {doc['own'][name]} · 辖区 {doc['total'][name]}")

    @app.cli.command("report")
    @click.argument("region_code")
    @click.option("--kind", required=True, help="funds | subsidies | warnings | inspections | assets | health")
    @click.option("--period", required=True, help="2026-11 (month), 2026-Q4 (quarter) or 2026 (year).")
    @click.option("--format", "fmt", type=click.Choice(["pdf", "xlsx"]), default="pdf")
    @click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
    @click.option("--cut-off", "cut_off", default=None,
                  help="The data cut-off (ISO time; without a zone, China time, as the footer prints it: "
                       "2026-12-01T10:00); default: now.")
    @click.option("--again", is_flag=True,
                  help="Make the report of that cut-off again from the rows kept when it was made (the same "
                       "figures and hash, whatever changed since); refused if none was made at that minute.")
    def report_command(region_code, kind, period, fmt, out, cut_off, again):
        """Make one report file here and now (the same file the job makes), and print its rows hash."""
        from datetime import datetime
        from .core.errors import ApiError
        from .regions.services import by_code
        from .reports import periods, services
        region = by_code(region_code)
        if region is None:
            raise click.ClickException(f"unknown region code {region_code}")
        if again and not cut_off:
            raise click.ClickException("--again needs --cut-off (the minute of the report to make again)")
        moment = None
        if cut_off:
            from .core import clock
            try:
                moment = datetime.fromisoformat(cut_off)
            except ValueError:
                raise click.ClickException(f"--cut-off {cut_off!r}: not a time (e.g. 2026-12-01T10:00)")
            moment = moment.replace(tzinfo=clock.CHINA) if moment.tzinfo is None else moment
        try:
            services.check_kind(kind, "kind")
            doc, body = services.render_file(kind, region, periods.parse(period, "period"), fmt, by="命令行 CLI",
                                             cut_off=moment, again=again)
        except ApiError as error:
            raise click.ClickException(f"{error.zh} ({error.en})")
        out.write_bytes(body)
        click.echo(f"{out} {len(body)} bytes rows-sha256 {doc['rows_sha256']}")

    @app.cli.command("reports-monthly")
    def reports_monthly_command():
        """Queue last month's reports for every region that has none yet (what the job does on the
        REPORTS_MONTHLY_DAYS), and tell the regions' supervisors."""
        from .reports.services import schedule_monthly
        click.echo(f"{schedule_monthly()} reports queued")
        db.session.commit()

    @app.cli.command("figures-rebuild")
    def figures_rebuild_command():
        """Recompute the cockpit's summary table from the fact tables (the worker keeps it current
        by itself; this gives identical numbers)."""
        from .overview import summary
        from .overview.models import RegionFigure
        summary.rebuild()
        db.session.commit()
        click.echo(f"{db.session.query(RegionFigure).count()} figure rows")

    @app.cli.command("escalate")
    def escalate_command():
        """Escalate overdue rectifications to the county (idempotent; safe from cron)."""
        from .rectifications.services import escalate
        n = escalate()
        db.session.commit()
        click.echo(f"{n} rectification(s) escalated")

    @app.cli.command("department-tasks-remind")
    def department_tasks_remind_command():
        """Remind before department tasks' deadlines and escalate overdue ones (idempotent; safe from cron)."""
        from .departments.services import remind_and_escalate
        reminded, escalated = remind_and_escalate()
        db.session.commit()
        click.echo(f"{reminded} task(s) reminded, {escalated} escalated")

    @app.cli.command("digest")
    @click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                  help="The digest of this day (YYYY-MM-DD; it covers the day before). Default: today in China.")
    def digest_command(day):
        """Send the daily digest to the city and province supervisors (DIGEST_ROLES) who have not had
        it for that day yet (also when DIGEST_ENABLED=0: this is by hand). Idempotent."""
        from .oversight import digest
        sent = digest.send(day.date() if day else None)
        db.session.commit()
        click.echo(f"digest sent to {sent} users")

    @app.cli.command("worker")
    @click.option("--workers", "-w", type=int, default=None, help="Jobs at once (threads; default QUEUE_WORKERS).")
    @click.option("--no-periodic", is_flag=True, help="Take jobs but schedule no periodic ones (extra hosts).")
    def worker_command(workers, no_periodic):
        """Run jobs from the queue (QUEUE_URL) until stopped (Ctrl-C / SIGTERM finish the running
        jobs first). Start one per host; with Redis, any number of hosts share the queue."""
        import logging

        from . import jobs
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
        if jobs.queue.immediate:
            raise click.ClickException("QUEUE_IMMEDIATE=1 runs jobs inline: there is nothing for a worker to do")
        click.echo(f"worker on {app.config['QUEUE_URL'].split('@')[-1]} ({jobs.queue.name})", err=True)
        jobs.consumer(workers or app.config["QUEUE_WORKERS"], periodic=not no_periodic).run()

    @app.cli.command("create-user")
    @click.argument("username")
    @click.argument("role", type=click.Choice(["admin", "province", "city", "county", "township_lead",
                                               "inspector", "clerk"]))
    @click.argument("region_code")
    @click.option("--name", default=None)
    @click.password_option()
    def create_user_command(username, role, region_code, name, password):
        """Create an account with a password typed twice (weak ones refused). Someone else chose
        it, so the person sets their own at the first sign-in."""
        _create_user(username, role, region_code, name, password, must_change=True)

    @app.cli.command("create-admin")
    @click.argument("username")
    @click.option("--region", "region_code", required=True,
                  help="The province's 12-digit code (load the regions first: flask regions-import).")
    @click.option("--name", default=None, help="Display name (default: the user name).")
    @click.password_option(envvar="JICAI_ADMIN_PASSWORD", show_envvar=True,
                           help="Asked twice when JICAI_ADMIN_PASSWORD is not set.")
    def create_admin_command(username, region_code, name, password):
        """Create the first administrator. The password is asked for twice (or read from
        JICAI_ADMIN_PASSWORD); weak ones are refused — there is no default."""
        _create_user(username, "admin", region_code, name, password)

    def _create_user(username, role, region_code, name, password, must_change=False):
        from .auth.services import create_user
        from .core.errors import ApiError
        from .regions.services import by_code
        region = by_code(region_code)
        if region is None:
            raise click.ClickException(f"no region with code {region_code} (load them first: flask regions-import FILE)")
        _new_password(username, password)
        try:
            user = create_user(OPERATOR, username, name or username, password, role, region.id, must_change=must_change)
        except ApiError as error:
            raise click.ClickException(f"{error.en} ({error.zh})")
        db.session.commit()
        click.echo(f"created {user.username} ({role}) in {region.name}")

    @app.cli.command("regions-import")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--year", type=int, default=None, help="The table's year (default: from its title, if any).")
    def regions_import_command(path, year):
        """Load an official division table (统计用区划代码: .xlsx or CSV in UTF-8 or GBK): a 12-digit
        code and a name per row, with a level (省/市/县/乡/村, 1-5), a parent code, or neither (the
        code's structure says). All or nothing; safe to run twice. A later year's table for a
        county renames, adds, merges (并入/变更说明) and abolishes what is gone, keeping history."""
        from .regions.services import load_table
        report, counts, loader = load_table(path.name, path.read_bytes(), None, OPERATOR, year=year)
        if counts is None:
            for error in report.errors:
                where = f"第 {error['row']} 行 row {error['row']}" if error["row"] else "文件 file"
                click.echo(f"{where}: {error['field'] or ''} {error['code']}: {error['message']['zh']} / "
                           f"{error['message']['en']}", err=True)
            raise click.ClickException(f"{report.count} 处问题，未导入任何数据 / {report.count} problem(s); "
                                       "nothing was loaded")
        db.session.commit()
        added, updated, unchanged = counts
        gone = len(loader.abolished)
        _say(f"新增区划 {added} 个，变更 {updated} 个（其中 {gone} 个已不在新表中，标为撤销），未变 {unchanged} 个",
             f"{added} regions added, {updated} changed ({gone} no longer in the table and abolished), "
             f"{unchanged} unchanged")

    def import_file(kind, region_code, path, username, mapping=()):
        """Import a file of ``kind`` for a region, all or nothing, and say how it went (exit 1 if refused).
        ``mapping``: "COLUMN=FIELD" lines (the field's Chinese name or its code), saved for the region
        first, as the screen's 对应列 step does."""
        from sqlalchemy import select

        from .core.models import User
        from .imports import engine
        from .regions.services import by_code
        if kind not in engine.KINDS:
            raise click.ClickException(f"没有这种导入类型 / unknown kind {kind!r} (known: {', '.join(engine.KINDS)})")
        region = by_code(region_code)
        user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if region is None or user is None:
            raise click.ClickException("区划代码或用户名不存在 / unknown region code or user name")
        importer = engine.kind_of(kind)
        if user.role not in importer.roles or region.level not in importer.levels:
            raise click.ClickException(f"{username}（{ROLES[user.role][0]}）不能为{LEVEL_NAMES[region.level][0]}"
                                       f" {region_code} 导入{importer.title[0]} / {username} ({user.role}) cannot "
                                       f"import {kind} for {region.level} {region_code}")
        if mapping:
            by_zh = {zh: name for name, (zh, _en) in importer.names().items()}
            columns = {}
            for line in mapping:
                header, _, field = line.partition("=")
                if not header.strip() or not field.strip():
                    raise click.ClickException(f"--map 应写成 列名=字段，如 --map '所在地区=地区' / --map needs COLUMN=FIELD: {line!r}")
                columns[header.strip()] = by_zh.get(field.strip(), field.strip())
            from .core.errors import ApiError
            try:
                engine.save_mapping(kind, region, user, columns)
            except ApiError as err:
                raise click.ClickException(f"{err.zh} / {err.en}") from None
        run = engine.run(kind, region, user, path.name, path.read_bytes())
        db.session.commit()
        _say(f"{RUN_STATUS_ZH.get(run.status, run.status)}：共 {run.rows} 行，新增 {run.inserted}，更新 {run.updated}，"
             f"未变 {run.unchanged}，问题 {run.error_count} 处（导入批次 {run.id}）",
             f"{run.status}: {run.rows} rows, {run.inserted} new, {run.updated} updated, "
             f"{run.unchanged} unchanged, {run.error_count} problems (import {run.id})")
        for e in run.errors:
            where = f"第 {e['row']} 行 row {e['row']}" if e["row"] else "文件 file"
            click.echo(f"  {where} {e['column'] or ''}: {e['message']['zh']} / {e['message']['en']}")
        looks_like = next((e["looks_like"] for e in run.errors if e["code"] == "wrong_kind"), None)
        if looks_like:
            click.echo(f"  按“{engine.kind_of(looks_like).title[0]}”导入 / import it as what it is: "
                       f"flask import {looks_like} {region_code} {path} --user {username}")
        if any(e["code"] == "header_missing" for e in run.errors):
            click.echo("  在命令行指定对应列（保存给本地区，下次自动识别）/ say which column is which here (saved for the region): "
                       f"--map '文件中的列名=字段'，字段见 `flask import-kinds`")
        for note in run.notes or []:
            click.echo(f"  提示 note: {note['message']['zh']} / {note['message']['en']}")
        if run.secret:
            click.echo(f"  一次性密码须发给本人：在浏览器的导入批次 {run.id} 中取一次，或运行 "
                       f"`flask import-secret {run.id} --user {username}` / one-time values to hand out: take them "
                       f"once in the browser (import {run.id}) or with `flask import-secret {run.id} --user {username}`")
        if run.status != "accepted":
            sys.exit(1)

    @app.cli.command("import")
    @click.argument("kind")
    @click.argument("region_code")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--user", "username", required=True, help="Who imports (recorded in the audit log).")
    @click.option("--map", "mapping", multiple=True, metavar="COLUMN=FIELD",
                  help="A column of the file and the field it is (e.g. --map '所在地区=地区'); saved for the region.")
    def import_command(kind, region_code, path, username, mapping):
        """Import a clerk's .xlsx/.xls/CSV file of KIND (regions, users, units, projects, funds, assets,
        policies, beneficiaries, … — `flask import-kinds` lists them) for REGION_CODE, all or nothing
        (no upload limit here)."""
        import_file(kind, region_code, path, username, mapping)

    @app.cli.command("import-secret")
    @click.argument("import_id", type=int)
    @click.option("--user", "username", required=True, help="Who imported it.")
    def import_secret_command(import_id, username):
        """Print, once, what an import hands back (a users roster: each new user's one-time password)."""
        from sqlalchemy import select

        from .core.errors import ApiError
        from .core.models import User
        from .imports import engine
        from .imports.models import ImportRun
        run = db.session.get(ImportRun, import_id)
        user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if run is None or user is None:
            raise click.ClickException("unknown import or user name")
        try:
            items = engine.take_secret(run, user)
        except ApiError as err:
            raise click.ClickException(f"{err.zh} / {err.en}") from None
        db.session.commit()
        for item in items:
            click.echo("\t".join(str(v) for v in item.values()))

    @app.cli.command("import-kinds")
    def import_kinds_command():
        """List the kinds of file `flask import` reads, with their columns."""
        from .imports import engine, templates
        for kind, importer in engine.KINDS.items():
            columns = "、".join(f"{f.zh}{'*' if f.required else ''}" for f in templates.fields_of(importer))
            click.echo(f"{kind:20} {importer.title[0]} / {importer.title[1]}: {columns}")

    @app.cli.command("subsidies-import")
    @click.argument("kind", type=click.Choice(["policies", "beneficiaries", "disbursements", "notices", "deaths",
                                               "employees"]))
    @click.argument("region_code")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--user", "username", required=True, help="Who imports (recorded in the audit log).")
    def subsidies_import_command(kind, region_code, path, username):
        """The same as `flask import KIND ...` for the subsidy kinds (kept for existing scripts)."""
        import_file(kind, region_code, path, username)

    @app.cli.command("pii-new-key")
    @click.argument("key_id")
    def pii_new_key_command(key_id):
        """Print a new key entry (id:base64) for PII_KEYS or PII_INDEX_KEY."""
        from .core import pii
        click.echo(pii.new_key_line(key_id))

    @app.cli.command("pii-rotate")
    def pii_rotate_command():
        """Re-encrypt all personal data with the first key of PII_KEYS and recompute the lookup
        hashes with PII_INDEX_KEY (run after putting a new key first; then drop the old one)."""
        from .subsidies.rotation import rotate
        for table, n in rotate().items():
            click.echo(f"{table}: {n} rows re-encrypted")
        db.session.commit()

    @app.cli.command("bank-export")
    @click.argument("batch_id", type=int)
    @click.option("--profile", required=True, help="A bank profile: iso20022 or rcb_text (backend/bank/profiles.py).")
    @click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
    def bank_export_command(batch_id, profile, out):
        """Write an approved payment batch as the bank's file; prints its SHA-256 (recorded on the batch)."""
        from .bank import services as bank
        from .bank.models import PaymentBatch
        from .core.errors import ApiError
        batch = db.session.get(PaymentBatch, batch_id)
        if batch is None:
            raise click.ClickException(f"no payment batch {batch_id}")
        try:
            data, _ = bank.export(batch, OPERATOR, profile)
        except ApiError as e:
            raise click.ClickException(f"{e.code}: {e.en}")
        out.write_bytes(data)
        db.session.commit()
        click.echo(f"{batch.batch_no}: {batch.count} payments, {batch.total} yuan → {out} sha256 {batch.export_sha256}")

    @app.cli.command("bank-reconcile")
    def bank_reconcile_command():
        """三方对账 of every township, policy and period with a batch, its differences kept as findings
        (what the periodic job does; idempotent, safe from cron)."""
        from .bank.reconcile import record_all
        changed = record_all()
        db.session.commit()
        click.echo(f"{changed} township/policy/period(s) with changed differences")

    @app.cli.command("bank-import")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def bank_import_command(path):
        """Import a bank return file (pain.002 or the text profile's); refused whole on any mismatch."""
        from .bank import services as bank
        from .core.errors import ApiError
        try:
            result = bank.import_return(path.read_bytes(), OPERATOR, path.name)
        except ApiError as e:
            db.session.rollback()
            raise click.ClickException(f"{e.code}: {e.en}")
        db.session.commit()
        click.echo(json.dumps(result, ensure_ascii=False, default=str))

    for name, command in app.cli.commands.items():
        if name not in CONFIG_FREE:
            command.callback = _configured(app, command.callback)
