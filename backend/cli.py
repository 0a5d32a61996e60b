"""Commands for operators and cron. They call the same services as the routes, and commit once."""
import sys
from pathlib import Path

import click

from .extensions import db


def register(app):
    @app.cli.command("demo")
    def demo_command():
        """Load the Lin'an demo (regions, units, ~100 projects, users). Safe to run twice."""
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
        db.session.commit()
        for code, counts in report.items():
            click.echo(f"{code}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))

    @app.cli.command("escalate")
    def escalate_command():
        """Escalate overdue rectifications to the county (idempotent; safe from cron)."""
        from .rectifications.services import escalate
        n = escalate()
        db.session.commit()
        click.echo(f"{n} rectification(s) escalated")

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
    @click.argument("role")
    @click.argument("region_code")
    @click.option("--name", default=None)
    @click.password_option()
    def create_user_command(username, role, region_code, name, password):
        """Create an account (the first administrator, typically)."""
        from .core.auth import hash_password
        from .core.models import User
        from .regions.services import by_code
        region = by_code(region_code)
        if region is None:
            raise click.ClickException(f"no region with code {region_code}")
        db.session.add(User(username=username, display_name=name or username,
                            password_hash=hash_password(password), role=role, region_id=region.id))
        db.session.commit()
        click.echo(f"created {username} ({role}) in {region.name}")

    @app.cli.command("subsidies-import")
    @click.argument("kind", type=click.Choice(["policies", "beneficiaries", "disbursements", "notices", "deaths",
                                               "employees"]))
    @click.argument("region_code")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--user", "username", required=True, help="Who imports (recorded in the audit log).")
    def subsidies_import_command(kind, region_code, path, username):
        """Import a clerk's .xlsx/CSV file, all or nothing (large files: no upload limit here)."""
        from sqlalchemy import select

        from .core.models import User
        from .regions.services import by_code
        from .subsidies import importer
        region = by_code(region_code)
        user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if region is None or user is None:
            raise click.ClickException("unknown region code or user name")
        run = importer.run(kind, region, user, path.name, path.read_bytes())
        db.session.commit()
        click.echo(f"{run.status}: {run.rows} rows, {run.inserted} new, {run.updated} updated, "
                   f"{run.unchanged} unchanged, {run.error_count} problems (import {run.id})")
        for e in run.errors:
            click.echo(f"  row {e['row'] or '-'} {e['column'] or ''}: {e['message']['zh']} / {e['message']['en']}")
        if run.status != "accepted":
            sys.exit(1)

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
