"""The job queue, and the jobs the features register with it.

Heavy and periodic work runs here, not inside a request: risk scans of what a write touched, the
full scan and escalation every ``SCAN_EVERY_MINUTES``, subsidy imports. The queue is Huey: its
SQLite storage (a file under ``instance/``, no server) by default, Redis in production, where any
number of workers on any number of hosts take jobs from it (``flask worker``). Tests run jobs inline
(``QUEUE_IMMEDIATE``) or through a real worker process.

This module knows no feature. A feature declares its jobs with ``@job`` / ``@periodic`` in its own
``jobs.py`` (imported when the app is built, by the web processes and the worker alike), and asks
for them with ``after_commit`` — or, for risk scans, says what it changed with ``touch``; the risk
feature registers the job that scans the touched subjects with ``on_touch``.

Jobs are enqueued only when the transaction that asked for them commits: a write that rolls back
enqueues nothing, and a job never sees data that is not there yet. Every job is idempotent (it may
run twice: a retry, two workers, a periodic run overlapping a manual one).
"""
import functools
import logging
import time
from urllib.parse import urlparse

from flask import current_app, has_app_context
from huey import Huey
from huey.exceptions import TaskLockedException
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy import event
from sqlalchemy.orm import Session

from .extensions import db

log = logging.getLogger("jicai.jobs")

# One queue per process, bound to its storage by ``init_app``; ``@job`` registers tasks on it at
# import time, so web processes and workers know the same jobs by the same names.
queue = Huey("jicai", results=False, storage_class=MemoryStorage, utc=True)
_state = {"app": None, "bound": None, "touch": None, "scanned": [], "periodic": []}
PENDING_STALE_SECONDS = 300  # a "scan pending" mark older than this is ignored (its job was lost)


def storage_for(url, name):
    """(storage class, keyword arguments) for a QUEUE_URL: ``sqlite:///path``, ``redis://…`` or
    ``memory://`` (one process only)."""
    scheme = urlparse(url).scheme
    if scheme == "sqlite":
        return SqliteStorage, {"filename": url[len("sqlite:///"):], "timeout": 30}
    if scheme in ("redis", "rediss", "unix"):
        return RedisStorage, {"url": url}
    if scheme == "memory":
        return MemoryStorage, {}
    raise ValueError(f"QUEUE_URL must start with sqlite:///, redis:// or memory:// (got {url!r})")


def init_app(app):
    """Bind the queue to the app's QUEUE_URL (and inline mode), and remember the app: a job runs in
    its own app context, so in a session of its own."""
    _state["app"] = app
    url, name, immediate = app.config["QUEUE_URL"], app.config["QUEUE_NAME"], app.config["QUEUE_IMMEDIATE"]
    if _state["bound"] != (url, name, immediate):
        queue.name = name
        queue.storage_class, queue.storage_kwargs = storage_for(url, name)
        if queue.storage_class is SqliteStorage:
            from pathlib import Path
            Path(queue.storage_kwargs["filename"]).parent.mkdir(parents=True, exist_ok=True)
        queue.immediate = immediate
        queue.storage = queue.create_storage()
        _state["bound"] = (url, name, immediate)
    app.extensions["jobs"] = queue


def _app():
    """The app a job runs in: the one in context (a job run inline), else the one this process
    built (a worker's threads)."""
    if has_app_context():
        return current_app._get_current_object()
    if _state["app"] is None:  # a worker started as `huey_consumer backend.jobs.queue`
        from . import create_app
        create_app()
    return _state["app"]


def job(retries=2, retry_delay=10):
    """Declare a job: ``fn(*args)`` runs in the worker, in its own app context and transaction,
    committed when it returns (rolled back and retried ``retries`` times if it raises). Arguments
    must be plain values (ids, not objects). Call ``.call_local(...)`` to run it here and now."""
    def declare(fn):
        @functools.wraps(fn)
        def run(*args, **kwargs):
            with _app().app_context():
                try:
                    result = fn(*args, **kwargs)
                    db.session.commit()
                    return result
                except Exception:
                    db.session.rollback()
                    log.exception("job %s failed", fn.__name__)
                    raise
        return queue.task(retries=retries, retry_delay=retry_delay)(run)
    return declare


def periodic(setting=None, when=None):
    """Declare a job run every ``config[setting]`` minutes (0: never) by the workers' scheduler — or,
    with ``when(config, moment)``, at the minutes (UTC) it says yes to. With workers on several hosts
    it may be scheduled more than once: it runs under a lock, and is idempotent anyway."""
    def every(moment):
        if when is not None:
            return when(_app().config, moment)
        minutes = _app().config[setting]
        return minutes > 0 and (moment.hour * 60 + moment.minute) % minutes == 0

    def declare(fn):
        name = f"{fn.__module__}.{fn.__name__}"
        _state["periodic"].append(name)

        @functools.wraps(fn)
        def run():
            try:
                with queue.lock_task(name):
                    with _app().app_context():
                        try:
                            fn()
                            db.session.commit()
                        except Exception:
                            db.session.rollback()
                            log.exception("periodic job %s failed", name)
                            raise
            except TaskLockedException:
                log.info("%s is already running elsewhere; skipped", name)
        return queue.periodic_task(every)(run)
    return declare


def consumer(workers, periodic=True):
    """A Huey consumer for `flask worker`: ``workers`` threads; it schedules the periodic jobs
    unless told not to, and first clears their locks (a worker killed mid-job leaves its lock)."""
    return queue.create_consumer(workers=workers, worker_type="thread", periodic=periodic, initial_delay=0.1,
                                 max_delay=1.0, check_worker_health=True, flush_locks=True,
                                 extra_locks=",".join(_state["periodic"]))


# ---- asking for jobs from a transaction ------------------------------------------------------------

def after_commit(task, *args):
    """Enqueue ``task(*args)`` once the current transaction commits (never, if it rolls back)."""
    db.session.info.setdefault("jobs", []).append((task, args))


def touch(projects=(), regions=()):
    """Say that this transaction changed facts about these projects / regions (ids): once it
    commits, the risk rules look at them again. Many writes in one transaction are one job, and a
    subject whose scan is still waiting in the queue is not queued again."""
    touched = db.session.info.setdefault("touched", {"project": set(), "region": set()})
    touched["project"].update(int(i) for i in projects if i is not None)
    touched["region"].update(int(i) for i in regions if i is not None)


def on_touch(task):
    """Register the job that looks at touched subjects: ``task(projects, regions)`` (the risk
    feature's scan). Before it scans, it calls ``taken(projects, regions)``."""
    _state["touch"] = task
    return task


def on_scanned(setting):
    """Register a job to run after the risk scan of touched subjects (or the full scan) has
    committed: ``task(projects, regions)``, both None after a full scan (the cockpit's figures);
    queued only while the configuration's ``setting`` is true."""
    def register(task):
        _state["scanned"].append((setting, task))
        return task
    return register


def scanned(projects=None, regions=None):
    """The risk scan says it is done with these subjects (None, None: everything): once its
    transaction commits, the ``on_scanned`` jobs run."""
    for setting, task in _state["scanned"]:
        if current_app.config[setting]:
            after_commit(task, None if projects is None else list(projects),
                         None if regions is None else list(regions))


def _pending_key(kind, ident):
    return f"pending:{kind}:{ident}"


def taken(projects=(), regions=()):
    """A touched-subjects job calls this first: writes from now on queue a new scan."""
    for kind, ids in (("project", projects), ("region", regions)):
        for ident in ids:
            queue.delete(_pending_key(kind, ident))


def _mark_pending(kind, ident):
    """True if no scan of this subject is waiting yet (and mark one as waiting)."""
    key = _pending_key(kind, ident)
    if queue.put_if_empty(key, time.time()):
        return True
    since = queue.get(key, peek=True)
    if since is None or time.time() - since > PENDING_STALE_SECONDS:
        queue.put(key, time.time())
        return True
    return False


def _enqueue_touched(touched):
    task = _state["touch"]
    if task is None:
        return
    fresh = {kind: sorted(i for i in ids if _mark_pending(kind, i)) for kind, ids in touched.items()}
    if fresh["project"] or fresh["region"]:
        try:
            task(fresh["project"], fresh["region"])
        except Exception:
            taken(fresh["project"], fresh["region"])
            raise


@event.listens_for(Session, "after_commit")
def _enqueue(session):
    pending, touched = session.info.pop("jobs", []), session.info.pop("touched", None)
    try:
        for task, args in pending:
            task(*args)
        if touched:
            _enqueue_touched(touched)
    except Exception:
        # The write itself is committed: never turn it into an error. The periodic full scan
        # catches up with a lost scan; a lost import stays queued and can be uploaded again.
        log.exception("could not enqueue jobs after commit")


@event.listens_for(Session, "after_soft_rollback")
def _forget(session, previous_transaction):
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop("jobs", None)
        session.info.pop("touched", None)


# ---- progress of a long job, readable from any process ---------------------------------------------

def report_progress(key, **values):
    """Publish how far a job got (kept in the queue's storage, so web processes on other hosts
    read it while the job's own transaction is still open)."""
    queue.put(f"progress:{key}", {**values, "at": time.time()})


def progress(key):
    return queue.get(f"progress:{key}", peek=True)


def forget_progress(key):
    queue.delete(f"progress:{key}")
