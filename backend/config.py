"""The one place that reads the environment.

Every setting has a default that works with nothing set: a SQLite file under ``instance/``, a local
storage folder, a development secret. ``JICAI_ENV=production`` turns the defaults that are unsafe in
production into startup errors instead.
"""
import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


class ConfigError(RuntimeError):
    """A setting is missing or unusable; the app refuses to start."""


def _env(name, default=None):
    value = os.environ.get(name)
    return default if value in (None, "") else value


def _database_url(url):
    # psycopg 3 is the driver we ship; accept the common postgres:// spellings too.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    ENV = _env("JICAI_ENV", "development")
    SECRET_KEY = _env("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = _database_url(_env("DATABASE_URL", f"sqlite:///{INSTANCE / 'jicai.db'}"))
    # (No pool_pre_ping: ``extensions.ping_when_idle`` pings only a connection that sat unused.)
    SQLALCHEMY_ENGINE_OPTIONS = {}
    PUBLIC_BASE_URL = _env("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    STORAGE_DIR = _env("STORAGE_DIR", str(INSTANCE / "storage"))
    # S3-compatible object storage for photos and QR images; unset = the local STORAGE_DIR.
    STORAGE_S3_BUCKET = _env("STORAGE_S3_BUCKET")
    STORAGE_S3_PREFIX = _env("STORAGE_S3_PREFIX", "")
    STORAGE_S3_ENDPOINT = _env("STORAGE_S3_ENDPOINT")  # e.g. https://minio.internal:9000
    STORAGE_S3_REGION = _env("STORAGE_S3_REGION")
    STORAGE_S3_ACCESS_KEY = _env("STORAGE_S3_ACCESS_KEY")
    STORAGE_S3_SECRET_KEY = _env("STORAGE_S3_SECRET_KEY")
    PWA_DIR = str(ROOT / "pwa")

    # Behind nginx (or any reverse proxy): how many proxies to trust for X-Forwarded-For/-Proto, so
    # the audit log and the sign-in limit see the phone's address, not the proxy's.
    PROXY_COUNT = int(_env("PROXY_COUNT", 0))

    # Request limits: JSON bodies are small; anything larger is refused before parsing.
    MAX_CONTENT_LENGTH = int(_env("MAX_CONTENT_LENGTH", 1024 * 1024))

    # Field evidence
    OFF_SITE_METERS = float(_env("OFF_SITE_METERS", 500))  # farther than this from the site: "not on site"
    PHOTO_MAX_BYTES = int(_env("PHOTO_MAX_BYTES", 12 * 1024 * 1024))
    RECEIPT_MAX_BYTES = int(_env("RECEIPT_MAX_BYTES", 20 * 1024 * 1024))  # a fund receipt: a PDF or a scan
    TASK_FILE_MAX_BYTES = int(_env("TASK_FILE_MAX_BYTES", 10 * 1024 * 1024))  # a file on a department's feedback
    TASK_FILES_MAX = int(_env("TASK_FILES_MAX", 10))  # files on one task
    PHOTO_REUSE_DISTANCE = int(_env("PHOTO_REUSE_DISTANCE", 3))  # dHash bits that may differ (≤ 3)

    # Risk rules (see README "Risk rules"): what each rule tolerates before it fires.
    RISK_STAGE_OVERDUE_GRACE_DAYS = int(_env("RISK_STAGE_OVERDUE_GRACE_DAYS", 0))
    # The share of the budget each stage justifies having paid; more than this + margin fires.
    RISK_STAGE_PAID_SHARE = {"approved": 0.0, "tendering": 0.0, "contracted": 0.3, "construction": 0.7,
                             "acceptance": 0.85, "settlement": 0.95, "audit": 1.0, "archived": 1.0}
    RISK_PAID_MARGIN = float(_env("RISK_PAID_MARGIN", 0.1))
    RISK_SINGLE_PAYMENT_SHARE = float(_env("RISK_SINGLE_PAYMENT_SHARE", 0.5))
    RISK_NO_INSPECTION_DAYS = int(_env("RISK_NO_INSPECTION_DAYS", 30))
    RISK_FLAGGED_INSPECTION_DAYS = int(_env("RISK_FLAGGED_INSPECTION_DAYS", 90))
    RISK_CONTRACTOR_SHARE = float(_env("RISK_CONTRACTOR_SHARE", 0.4))
    RISK_CONTRACTOR_MIN_PROJECTS = int(_env("RISK_CONTRACTOR_MIN_PROJECTS", 3))
    RISK_CONTRACTOR_MIN_TOWNSHIP = int(_env("RISK_CONTRACTOR_MIN_TOWNSHIP", 5))
    # 三资: days a project may sit at acceptance or later before its asset must be in the register.
    RISK_ASSET_UNREGISTERED_DAYS = int(_env("RISK_ASSET_UNREGISTERED_DAYS", 30))

    # Sessions (the PWA) and bearer tokens (API clients).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env("SESSION_COOKIE_SECURE", "0") == "1"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=int(_env("SESSION_HOURS", 12)))
    # The session ends on the server SESSION_HOURS after sign-in, however busy it is; re-signing the
    # cookie on every answer would only send ~200 bytes more to a phone each time (and cost each
    # request an HMAC). The cookie goes when the session changes (sign-in, password change).
    SESSION_REFRESH_EACH_REQUEST = False
    JWT_LIFETIME = timedelta(minutes=int(_env("JWT_MINUTES", 60)))
    JWT_ALGORITHM = "HS256"
    # Each app process remembers whose a token or session is, and the cockpit's region and figures'
    # version (PostgreSQL only; forgotten on any change, told by LISTEN/NOTIFY: README "Remembered
    # between requests"). The listening connection goes to PROCESS_CACHE_LISTEN_URL, else
    # DATABASE_URL: behind PgBouncer in transaction mode, which cannot LISTEN, name the database
    # itself here, or set PROCESS_CACHE=0.
    PROCESS_CACHE = _env("PROCESS_CACHE", "1") == "1"
    PROCESS_CACHE_LISTEN_URL = _env("PROCESS_CACHE_LISTEN_URL")

    PASSWORD_HASH_METHOD = "scrypt"

    # Failed logins: at most LOGIN_MAX_FAILURES per user name (and 10x that per address: a township
    # office or a carrier's NAT puts many people behind one address) per window.
    LOGIN_MAX_FAILURES = int(_env("LOGIN_MAX_FAILURES", 5))
    LOGIN_WINDOW = timedelta(minutes=int(_env("LOGIN_WINDOW_MINUTES", 15)))

    # APIFlask / OpenAPI
    SPEC_FORMAT = "json"
    VALIDATION_ERROR_STATUS_CODE = 400
    AUTO_OPERATION_ID = True
    INFO = {"description": "Jicai 基财智控 — township finance supervision API"}
    JSON_AS_ASCII = False

    # Personal data (see README "Personal data"): AES-GCM keys as "id:base64,…" (the first encrypts,
    # all decrypt) and the HMAC key of the lookup hash. Required in production.
    PII_KEYS = _env("PII_KEYS")
    PII_INDEX_KEY = _env("PII_INDEX_KEY")

    # Subsidies and the public platform
    # Imports run as jobs (the upload returns at once), so this only bounds what one upload may be.
    IMPORT_MAX_BYTES = int(_env("IMPORT_MAX_BYTES", 32 * 1024 * 1024))
    IMPORT_MAX_ERRORS = int(_env("IMPORT_MAX_ERRORS", 1000))  # the report lists at most this many
    # Failed checks per address per window: a village's Wi-Fi or a carrier's NAT is one address for many.
    SELF_CHECK_PER_VISITOR = int(_env("SELF_CHECK_PER_VISITOR", 30))
    SELF_CHECK_PER_ID = int(_env("SELF_CHECK_PER_ID", 5))  # failed checks per ID number per window
    SELF_CHECK_WINDOW = timedelta(minutes=int(_env("SELF_CHECK_WINDOW_MINUTES", 60)))
    SELF_CHECK_TOKEN_MINUTES = int(_env("SELF_CHECK_TOKEN_MINUTES", 15))
    COMMENTS_PER_VISITOR = int(_env("COMMENTS_PER_VISITOR", 5))  # per address per window
    COMMENTS_WINDOW = timedelta(minutes=int(_env("COMMENTS_WINDOW_MINUTES", 60)))
    # Objections villagers send from a village's page, per address per window (a village's Wi-Fi is
    # one address for many neighbours, so more than comments).
    OBJECTIONS_PER_VISITOR = int(_env("OBJECTIONS_PER_VISITOR", 10))
    OBJECTIONS_WINDOW = timedelta(minutes=int(_env("OBJECTIONS_WINDOW_MINUTES", 60)))
    # Wrong receipt numbers per visitor (network) per OBJECTIONS_WINDOW when looking an objection up.
    OBJECTION_LOOKUPS_PER_VISITOR = int(_env("OBJECTION_LOOKUPS_PER_VISITOR", 20))
    RISK_PROXY_CARD_MIN_PEOPLE = int(_env("RISK_PROXY_CARD_MIN_PEOPLE", 2))  # 代领: one card, this many people
    RISK_NOTICE_TOLERANCE = float(_env("RISK_NOTICE_TOLERANCE", 0.01))  # yuan
    # 一键直连 (backend/bank): working days a notice (公示) must have been up before a payment, and the
    # batch total (yuan) above which the county approves after the township lead.
    BANK_NOTICE_WORKING_DAYS = int(_env("BANK_NOTICE_WORKING_DAYS", 7))
    BANK_COUNTY_APPROVAL_ABOVE = Decimal(_env("BANK_COUNTY_APPROVAL_ABOVE", "100000"))
    # Days a department (or the township) has to fix a failed payment before the task escalates.
    BANK_FAILURE_FIX_DAYS = int(_env("BANK_FAILURE_FIX_DAYS", 10))
    # Days the bank has to answer a file sent to it: until then a line it has not answered is in
    # transit (在途), not a reconciliation finding on the cockpit.
    BANK_ANSWER_DAYS = int(_env("BANK_ANSWER_DAYS", 3))

    # Funds (资金): the days after issue (下达) by which a budget line must be registered as arrived
    # (登记/到账), fully allocated (分配) and fully spent (支出), per category. 预算法 §52: general
    # transfers are passed down within 30 days, special transfers within 60 (90 from the centre).
    FUND_DEADLINE_DAYS = {
        "general_transfer": {"register": 30, "allocate": 30, "spend": 90},
        "special_transfer": {"register": 60, "allocate": 60, "spend": 90},
        "own": {"register": 30, "allocate": 60, "spend": 180},
    }
    # 沉淀资金: money arrived and still unspent this many days later.
    FUND_IDLE_DAYS = int(_env("FUND_IDLE_DAYS", 180))

    # The township finance health index (backend/overview/health.py, README "The health index"):
    # per dimension, each indicator's weight and its thresholds [(value, score), …] — scored by straight
    # lines between them. Change a weight or threshold and change the version: every index value
    # answered or stored names the version it used.
    # The job queue refreshes the cockpit's summary table after each write's risk scan (always, in
    # production; ``flask figures-rebuild`` recomputes it whole).
    FIGURES_AFTER_WRITES = True
    # Within the hour after a month closes, the state figures (idle money, open warnings, assets …) are
    # kept as that month's (overview/snapshots.py): a closed month's reports read them. 0: not kept.
    KEEP_MONTH_STATES = _env("KEEP_MONTH_STATES", "1") == "1"
    HEALTH_INDEX = {
        "version": "2026.2",  # 2026.2: a year's hops and failures are its own (2026.1 counted today's)
        "min_weight_with_data": 0.5,  # no index for a region with data for less than half the weight
        "dimensions": {
            "guarantee": {"arrival": {"weight": 15, "points": [(50, 0), (80, 60), (95, 85), (100, 100)]}},
            "execution": {"spending_gap": {"weight": 20, "points": [(0, 100), (8, 70), (20, 40), (40, 0)]}},
            "reach": {"hops_on_time": {"weight": 15, "points": [(50, 0), (80, 60), (90, 85), (100, 100)]}},
            "direct": {"first_time_paid": {"weight": 12, "points": [(80, 0), (95, 70), (99, 90), (100, 100)]},
                       "case_answer_days": {"weight": 8, "points": [(1, 100), (3, 85), (7, 60), (15, 0)]}},
            "rectify": {"warnings_per_million": {"weight": 10, "points": [(0, 100), (1, 85), (3, 60), (6, 0)]},
                        "rect_on_time": {"weight": 10, "points": [(50, 0), (80, 70), (95, 100)]}},
            "assets": {"idle_assets": {"weight": 10, "points": [(0, 100), (5, 85), (15, 60), (30, 0)]}},
        },
    }

    # The job queue (see backend/jobs.py): a SQLite file needs no server (one host); redis://host:6379/0
    # lets workers on several hosts share it. QUEUE_NAME keeps two deployments on one Redis apart.
    QUEUE_URL = _env("QUEUE_URL", f"sqlite:///{INSTANCE / 'queue.db'}")
    QUEUE_NAME = _env("QUEUE_NAME", "jicai")
    QUEUE_IMMEDIATE = _env("QUEUE_IMMEDIATE", "0") == "1"  # run every job inline (tests, debugging)
    QUEUE_WORKERS = int(_env("QUEUE_WORKERS", 2))  # threads per `flask worker`
    # The full risk scan and the escalation of overdue rectifications, every N minutes (0: never —
    # e.g. on all but one host, or where cron runs them); writes get their own scan within seconds.
    SCAN_EVERY_MINUTES = int(_env("SCAN_EVERY_MINUTES", 10))
    # The daily digest (backend/oversight/digest.py) to these roles, from this hour of the day in
    # China on (the job looks every 10 minutes, so a worker down at the hour catches up); off with
    # DIGEST_ENABLED=0 (`flask digest` still sends it by hand).
    DIGEST_ENABLED = _env("DIGEST_ENABLED", "1") == "1"
    DIGEST_HOUR = int(_env("DIGEST_HOUR", 8))
    DIGEST_ROLES = tuple(r.strip() for r in _env("DIGEST_ROLES", "city,province").split(",") if r.strip())
    # The monthly reports (backend/reports): generated on these days of the month (China) for last
    # month, for every active region of these levels; REPORTS_MONTHLY_DAYS= (empty) switches it off.
    REPORTS_MONTHLY_DAYS = tuple(int(d) for d in _env("REPORTS_MONTHLY_DAYS", "1,2,3").split(",") if d.strip())
    REPORTS_MONTHLY_LEVELS = tuple(x.strip() for x in _env("REPORTS_MONTHLY_LEVELS", "province,city,county,township")
                                   .split(",") if x.strip())
    REPORTS_MONTHLY_KINDS = ("funds", "subsidies", "warnings", "inspections", "assets", "health")
    REPORTS_MONTHLY_FORMATS = ("pdf", "xlsx")
    # A PDF lays out about ten table rows a second (WeasyPrint, one core): a table longer than this
    # prints its first lines, its total over every line and a note; the Excel file has every line.
    REPORTS_PDF_MAX_ROWS = int(_env("REPORTS_PDF_MAX_ROWS", "2000"))

    TESTING = False

    @classmethod
    def check(cls, config):
        """Refuse to start in production with unsafe defaults (raises ConfigError)."""
        if config.get("ENV") == "production":
            if not config.get("SECRET_KEY"):
                raise ConfigError("SECRET_KEY must be set when JICAI_ENV=production")
            if len(config["SECRET_KEY"]) < 32:
                raise ConfigError("SECRET_KEY must be at least 32 characters in production")
            if not config.get("PII_KEYS") or not config.get("PII_INDEX_KEY"):
                raise ConfigError("PII_KEYS and PII_INDEX_KEY must be set when JICAI_ENV=production "
                                  "(flask pii-new-key prints one)")
        elif not config.get("SECRET_KEY"):
            config["SECRET_KEY"] = "dev-only-secret-not-for-production-use-0000"


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key-that-is-long-enough-for-hs256"
    SQLALCHEMY_DATABASE_URI = _database_url(_env("TEST_DATABASE_URL", "sqlite://"))
    PUBLIC_BASE_URL = "https://jicai.test"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast in tests only
    # Fixed test keys (two, so rotation is tested); the live gunicorn in the browser tests gets the same.
    PII_KEYS = "t2:" + "Mg" * 21 + "w,t1:" + "MQ" * 21 + "w"
    PII_INDEX_KEY = "ix:" + "aQ" * 21 + "w"
    # Jobs run inline in the test process; the tests that need a real worker start one.
    QUEUE_URL = "memory://"
    QUEUE_IMMEDIATE = True
    # Inline, refreshing the cockpit's figures after every write would double the suite's time: the
    # cockpit's tests switch it on (tests/test_overview.py), the live worker keeps it on.
    FIGURES_AFTER_WRITES = False
    # Every answer also dumped by marshmallow and compared with the compiled dump (core/dump.py).
    VERIFY_DUMP = True
