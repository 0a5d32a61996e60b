"""Jicai 基财智控 — the application factory."""
import logging
import os

import click
from apiflask import APIFlask
from flask import g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from .config import ROOT, Config, ConfigError
from .core import dump, remembered
from .core.json_out import JSONProvider
from .extensions import (READING_METHODS, db, is_reading, migrate, ping_when_idle, read_json,
                         reads_without_transaction, stored_json)

dump.install()  # before any blueprint declares its output (their modules are imported in create_app)

log = logging.getLogger("jicai")


def create_app(config=None):
    """Build the app. ``config`` is a Config subclass or a dict of overrides (tests)."""
    app = APIFlask(__name__, title="Jicai 基财智控 API", version="1.0.0",
                   spec_path="/api/v1/openapi.json", docs_path=None, instance_relative_config=False)
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    _check_config(app)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**app.config["SQLALCHEMY_ENGINE_OPTIONS"], "json_serializer": stored_json,
                                            "json_deserializer": read_json}
    app.url_map.converters["int"] = BoundedInt
    if app.config["PROXY_COUNT"]:
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    app.json = JSONProvider(app)  # (orjson; writes non-ASCII as it is)
    app.security_schemes = {
        "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
        "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "session"},
    }

    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            ping_when_idle(engine)
        reads_without_transaction(app)
        remembered.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))

    from .core import auth, errors, headers, uploads
    errors.register(app)
    headers.init_app(app)
    auth.init_app(app)
    uploads.init_app(app)
    _register_blueprints(app)
    _transaction_per_request(app)

    from . import cli, jobs
    jobs.init_app(app)
    _register_rules_and_jobs()
    cli.register(app)
    return app


def _check_config(app):
    """Refuse to start with unsafe settings in production. Under the ``flask`` command the refusal
    waits for the command: one that needs no configuration (``pii-new-key``, run to *make* the
    settings) still works, every other one stops with the same message before doing anything."""
    try:
        Config.check(app.config)
    except ConfigError as error:
        command = click.get_current_context(silent=True)
        if command is None:  # gunicorn, tests: fail at startup
            raise
        if command.parent is not None:  # a command that loads the app itself (db, shell, run)
            raise click.ClickException(str(error)) from error
        app.extensions["jicai_config_error"] = error


def _register_rules_and_jobs():
    """Each feature brings its own risk rules and jobs to the engine and the queue (the engine
    imports no feature); the web processes and the workers import the same modules."""
    from .rectifications import jobs as _rcj, rules as _rcr  # noqa: F401
    from .risks import jobs as _rkj  # noqa: F401
    from .subsidies import rules as _sbr  # noqa: F401
    from .bank import selfcheck as _bks  # noqa: F401
    from .bank import jobs as _bkj  # noqa: F401  (三方对账 kept current)
    from .imports import jobs as _imj  # noqa: F401
    from .overview import jobs as _ovj, snapshots as _ovs  # noqa: F401  (states kept at each month's close)
    from .oversight import jobs as _osj  # noqa: F401
    from .reports import jobs as _rpj  # noqa: F401
    from .subsidies import jobs as _sbj  # noqa: F401  (the payments' year partitions)
    # The kinds of file the import engine reads, each from its feature.
    from .subsidies import importer as _sbi  # noqa: F401
    from .funds import importer as _fdi, rules as _fdr  # noqa: F401
    from .projects import importer as _pji  # noqa: F401
    from .regions import importer as _rgi  # noqa: F401
    from .auth import importer as _aui  # noqa: F401
    from .departments import importer as _dpi  # noqa: F401
    from .assets import rules as _asr, importer as _asi  # noqa: F401
    from .departments import jobs as _dpj  # noqa: F401


class BoundedInt(IntegerConverter):
    """Path ids are 32-bit: a larger number is simply no such row (id 0 → 404), never a database
    overflow. (Rejecting it in the converter would make werkzeug answer 405 on some rules.)"""

    def to_python(self, value):
        number = super().to_python(value)
        return number if number <= 2**31 - 1 else 0


def _register_blueprints(app):
    from .auth import bp as auth_bp, routes as _a  # noqa: F401
    from .regions import bp as regions_bp, routes as _r  # noqa: F401
    from .projects import bp as projects_bp, routes as _p  # noqa: F401
    from .qrcodes import bp as qrcodes_bp, routes as _q  # noqa: F401
    from .plaques import bp as plaques_bp, routes as _s  # noqa: F401
    from .photos import bp as photos_bp, routes as _ph  # noqa: F401
    from .tasks import bp as tasks_bp, routes as _t  # noqa: F401
    from .inspections import bp as inspections_bp, routes as _i  # noqa: F401
    from .notifications import bp as notifications_bp, routes as _n  # noqa: F401
    from .risks import bp as risks_bp, routes as _rk  # noqa: F401
    from .rectifications import bp as rectifications_bp, routes as _rc  # noqa: F401
    from .subsidies import bp as subsidies_bp, routes as _sb  # noqa: F401
    from .comments import bp as comments_bp, routes as _cm  # noqa: F401
    from .imports import bp as imports_bp, routes as _im  # noqa: F401
    from .funds import bp as funds_bp, routes as _fd  # noqa: F401
    from .assets import bp as assets_bp, routes as _as  # noqa: F401
    from .overview import bp as overview_bp, routes as _ov  # noqa: F401
    from .oversight import bp as oversight_bp, routes as _os  # noqa: F401
    from .reports import bp as reports_bp, routes as _rp  # noqa: F401
    from .departments import bp as departments_bp, routes as _dp  # noqa: F401
    from .bank import bp as bank_bp, routes as _bk  # noqa: F401
    from . import web
    for bp in (auth_bp, regions_bp, projects_bp, qrcodes_bp, plaques_bp, photos_bp, tasks_bp,
               inspections_bp, notifications_bp, risks_bp, rectifications_bp, subsidies_bp, comments_bp,
               imports_bp, funds_bp, assets_bp, overview_bp, oversight_bp, reports_bp, bank_bp, web.bp):
        app.register_blueprint(bp)
    app.register_blueprint(departments_bp)


def _transaction_per_request(app):
    """One transaction per request: commit once if the response is a success, else roll back."""
    from .core.errors import envelope

    @app.after_request
    def commit(response):
        if response.status_code < 400:
            try:
                db.session.commit()
            except IntegrityError:
                db.session.rollback()
                body = envelope(409, "conflict", "操作冲突，请刷新后重试",
                                "Conflicting write; reload and try again")
                response = app.json.response(body)
                response.status_code = 409
        else:
            db.session.rollback()
        return response

    @app.errorhandler(Exception)
    def unexpected(error):
        if isinstance(error, HTTPException):
            return error
        db.session.rollback()
        log.exception("unhandled error")
        response = app.json.response(envelope(500, "server_error", "服务器内部错误",
                                              "Internal server error"))
        response.status_code = 500
        return response


def _is_sqlite(dbapi_connection):
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    # SQLite: enforce foreign keys; WAL so readers never block the one writer; wait, don't fail
    # (SQLITE_BUSY_MS, 10 s: how long a writer waits for the one before it).
    # pysqlite's own transaction handling breaks SAVEPOINTs, so we emit BEGIN ourselves (below).
    if _is_sqlite(dbapi_connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(os.environ.get('SQLITE_BUSY_MS', '10000'))}")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    # A request that may write takes SQLite's write lock up front (BEGIN IMMEDIATE): concurrent
    # writers then queue instead of failing on a stale snapshot, which is what makes row locks and
    # idempotency keys behave on SQLite as they do on PostgreSQL. Reads stay deferred and parallel,
    # but for a read that writes its audit entry (an export with ``reveal``): a deferred transaction
    # that has read cannot take the write lock once another writer has committed (SQLite answers
    # "database is locked" at once, without waiting), so it takes the lock up front too — not the
    # export's file, read as it streams after that entry was committed.
    if conn.dialect.name == "sqlite":
        writing = not is_reading() and (not has_request_context()
                                        or request.method not in READING_METHODS
                                        or ("reveal" in request.args and not g.get("streaming_answer")))
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")
