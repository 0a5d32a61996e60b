"""Oversight of the system itself: the audit log as supervisors read it, and field coverage."""
from datetime import datetime, time, timedelta

from sqlalchemy import and_, func, or_, select

from ..core import clock
from ..core.models import AuditLog, Region, User
from ..core.scoping import scoped
from ..extensions import db

# Who may read the audit log (their region and below) and field coverage.
READERS = ("admin", "province", "city", "county")
COVERAGE_READERS = ("admin", "province", "city", "county", "township_lead")

# The kinds of entry the audit view shows (the supervisors' questions: who revealed which ID — a bank
# file written or downloaded again holds every full card and ID number of its batch —, who
# dismissed which warning, who withdrew which import, who signed in — and who failed to): each a set
# of exact actions, or a suffix every feature's importer shares.
ACTIONS = {
    "reveal": {"name": ("查看完整个人信息", "Personal data revealed"),
               "exact": ("subsidy.reveal", "comment.reveal_contact", "subsidy.reveal_export", "bank.batch_export")},
    "dismiss": {"name": ("排除预警", "Warning dismissed"), "exact": ("risk.dismiss",)},
    "withdraw": {"name": ("撤销导入", "Import withdrawn"), "suffix": ".import_withdrawn"},
    "sign_in": {"name": ("登录", "Sign-in"),
                "exact": ("auth.login", "auth.login_failed", "auth.login_rate_limited")},
}
ACTION_NAMES = {
    "subsidy.reveal": ("查看补贴对象完整信息", "Beneficiary's personal data revealed"),
    "comment.reveal_contact": ("查看留言人联系方式", "Commenter's contact revealed"),
    "subsidy.reveal_export": ("导出补贴对象完整信息", "Personal data exported in full"),
    "bank.batch_export": ("导出银行代发文件（含完整卡号、身份证号）", "Bank file exported (full card and ID numbers)"),
    "risk.dismiss": ("排除预警（误报）", "Warning dismissed (false positive)"),
    "auth.login": ("登录成功", "Signed in"),
    "auth.login_failed": ("登录失败", "Sign-in failed"),
    "auth.login_rate_limited": ("登录被暂停", "Sign-in paused (too many failures)"),
}
# What of an entry's details the view shows: reasons and what was revealed, never a value.
SHOWN_DETAILS = ("reason", "field", "kind", "deleted", "username", "profile", "lines")


def _kind(name):
    spec = ACTIONS[name]
    cond = [AuditLog.action.in_(spec["exact"])] if "exact" in spec else []
    if "suffix" in spec:
        cond.append(AuditLog.action.endswith(spec["suffix"], autoescape=True))
    return or_(*cond)


def group_of(action):
    for name, spec in ACTIONS.items():
        if action in spec.get("exact", ()) or ("suffix" in spec and action.endswith(spec["suffix"])):
            return name
    return None


def _day_start(day):
    """The UTC moment a China day starts."""
    return datetime.combine(day, time(0), tzinfo=clock.CHINA)


def audit_entries(actor, filters):
    """A SELECT of (AuditLog, User or None, Region or None) the actor may read: the covered kinds of
    entry in their region and below — with the root's, those of no region (a failed sign-in under a
    name nobody has) — (``region_id``: a region of theirs, 403/404 otherwise), filtered by
    ``action`` (a kind), ``user_id`` / ``username``, ``since``/``until`` (China days, both included),
    newest first; ``before`` is the keyset cursor (an entry id)."""
    stmt = scoped(select(AuditLog, User, Region), AuditLog, actor, within=filters.get("region_id"), unplaced=True)
    stmt = stmt.outerjoin(User, User.id == AuditLog.actor_id)
    kinds = [filters["action"]] if filters.get("action") else list(ACTIONS)
    stmt = stmt.where(or_(*[_kind(k) for k in kinds]))
    if filters.get("user_id"):
        stmt = stmt.where(AuditLog.actor_id == filters["user_id"])
    if filters.get("username"):
        stmt = stmt.where(User.username == filters["username"])
    if filters.get("since"):
        stmt = stmt.where(AuditLog.at >= _day_start(filters["since"]))
    if filters.get("until"):
        stmt = stmt.where(AuditLog.at < _day_start(filters["until"] + timedelta(days=1)))
    if filters.get("before"):
        stmt = stmt.where(AuditLog.id < filters["before"])
    return stmt.order_by(AuditLog.id.desc())


def audit_page(actor, filters, per_page):
    """One page of entries (newest first) and the cursor of the next page (None: the last page)."""
    rows = db.session.execute(audit_entries(actor, filters).limit(per_page + 1)).all()
    more = len(rows) > per_page
    rows = rows[:per_page]
    return rows, (rows[-1][0].id if more else None)


def audit_batches(actor, filters, size=1000):
    """Every entry, in batches by key (the CSV streams them without holding the whole log)."""
    filters = dict(filters)
    while True:
        rows = db.session.execute(audit_entries(actor, filters).limit(size)).all()
        if not rows:
            return
        yield rows
        if len(rows) < size:
            return
        filters["before"] = rows[-1][0].id
