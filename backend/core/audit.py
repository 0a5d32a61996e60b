"""The audit log: every write records who, when, what and from where.

The request boundary (or the CLI) sets the origin once; services call ``record`` without knowing
about requests.
"""
from contextvars import ContextVar

from ..extensions import db
from .models import AuditLog

_origin: ContextVar[tuple] = ContextVar("audit_origin", default=("cli", "cli"))


def set_origin(ip, user_agent):
    """Where the current writes come from (an address and user agent, or 'cli')."""
    _origin.set(((ip or "")[:64], (user_agent or "")[:256]))


def record(actor, action, subject=None, region_id=None, **details):
    """Append an audit row in the current transaction."""
    ip, agent = _origin.get()
    row = AuditLog(actor_id=getattr(actor, "id", None), action=action,
                   subject_type=getattr(subject, "__tablename__", None),
                   subject_id=getattr(subject, "id", None),
                   region_id=region_id if region_id is not None else getattr(subject, "region_id", None),
                   ip=ip, user_agent=agent, details=details)
    db.session.add(row)
    return row
