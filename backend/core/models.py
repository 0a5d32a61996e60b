"""Tables the core needs to authenticate, scope, audit and de-duplicate: regions, users, their
sessions, audit log, idempotency keys, revoked tokens, login attempts."""
from datetime import date, datetime, timezone

from flask_login import UserMixin
from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text, TypeDecorator
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.functions import FunctionElement

from ..extensions import db
from . import clock

LEVELS = ("province", "city", "county", "township", "village")
LEVEL_NAMES = {"province": ("省", "Province"), "city": ("市", "City"), "county": ("县/区", "County"),
               "township": ("乡镇/街道", "Township"), "village": ("村/社区", "Village")}

# Roles and the region level each is scoped at.
ROLES = {
    "admin": ("系统管理员", "Administrator"),
    "province": ("省级财政", "Province supervisor"),
    "city": ("市级财政", "City supervisor"),
    "county": ("县级财政", "County supervisor"),
    "township_lead": ("乡镇负责人", "Township lead"),
    "inspector": ("巡查员", "Inspector"),
    # A county department (农业农村局, 民政局 …): scoped to its region AND its department's policies
    # (users.department_id; the narrowing is in core/scoping.py, registered by backend/departments).
    "department": ("部门用户", "Department official"),
    "clerk": ("乡镇财政专管员", "Township finance clerk"),  # builds payment batches (backend/bank)
}
SUPERVISORS = ("province", "city", "county")

class UtcDateTime(TypeDecorator):
    """Timestamps are stored and returned as aware UTC datetimes on every database (SQLite would
    otherwise hand back naive ones)."""
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return clock.as_utc(value).astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        return clock.as_utc(value)


class china_time(FunctionElement):  # noqa: N801 — reads as a SQL function: china_time(column)
    """A stored UTC moment as China's wall-clock time (UTC+8, ``clock.CHINA``), in SQL: what
    ``extract("year"/"month", …)`` of it gives is China's calendar, as ``clock.local_date`` gives it
    in Python. Works the same whatever the PostgreSQL session's time zone."""
    type = DateTime()
    inherit_cache = True


@compiles(china_time)
def _china_time_sqlite(element, compiler, **kw):
    return f"datetime({compiler.process(element.clauses, **kw)}, '+8 hours')"


@compiles(china_time, "postgresql")
def _china_time_postgresql(element, compiler, **kw):
    return f"(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC' + INTERVAL '8 hours')"


class Region(db.Model):
    """An administrative division. ``path`` is the chain of codes from the root, '/'-separated and
    '/'-terminated, so a subtree is one prefix match."""
    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    path: Mapped[str] = mapped_column(String(80), index=True)
    lat: Mapped[float | None] = mapped_column(db.Float)
    lng: Mapped[float | None] = mapped_column(db.Float)
    # A division abolished or merged by a later official table stays (old projects and payments
    # still name it) but leaves the pickers: ``status`` 'abolished', the day it ended, and the
    # division that took it over (None when the table named none).
    status: Mapped[str] = mapped_column(String(16), default="active", server_default="active")
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    batch_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the import run that wrote it last

    parent = relationship("Region", remote_side=[id], foreign_keys=[parent_id])
    successor = relationship("Region", remote_side=[id], foreign_keys=[successor_id])


CHANGE_KINDS = ("add", "rename", "abolish", "merge", "restore")


class RegionChange(db.Model):
    """The history of the region tree: every rename, abolition, merger and restoration a division
    table import (or an administrator by hand) made, so that a village renamed or merged last year
    can still be followed from the name an old paper record gives (a project register, a roster)."""
    __tablename__ = "region_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    old_name: Mapped[str | None] = mapped_column(String(64))
    new_name: Mapped[str | None] = mapped_column(String(64))
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    effective_on: Mapped[date] = mapped_column(Date)
    year: Mapped[int | None] = mapped_column(Integer)  # the official table's year, when known
    note: Mapped[str | None] = mapped_column(String(200))  # the table's 变更说明, or the admin's reason
    batch_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the import run (None: by hand)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)

    region = relationship(Region, foreign_keys=[region_id])
    successor = relationship(Region, foreign_keys=[successor_id])


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    # Bumped whenever the password changes or the account is deactivated: bearer tokens carry the
    # epoch they were issued under, so one UPDATE revokes every token of the user on every server.
    auth_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Set when someone else chose the password (a reset): every call but changing it is refused.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=db.false())
    password_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # A work phone (encrypted at rest, shown masked) and the roster import that wrote the row last.
    phone_enc: Mapped[str | None] = mapped_column(String(128))
    phone_mask: Mapped[str | None] = mapped_column(String(20))
    batch_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # The department of a ``department`` user (None for every other role).
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", use_alter=True, name="fk_users_department_id_departments"), index=True)

    region = relationship(Region, lazy="joined")

    @property
    def is_active(self):
        return self.active


class AuditLog(db.Model):
    """Every write: who, when, what, from where. Written in the same transaction as the write."""
    __tablename__ = "audit_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject_type: Mapped[str | None] = mapped_column(String(32))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(256))
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class IdempotencyKey(db.Model):
    """A client-generated UUID and the response the first request with it got."""
    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(36), primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    operation: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)


class UserSession(db.Model):
    """A signed-in browser. The cookie carries a random key; only its SHA-256 is stored. Signing out
    deletes the row, so a copied cookie stops working at once on every app server."""
    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class RevokedToken(db.Model):
    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class LoginAttempt(db.Model):
    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_username_at", "username", "at"),
                      Index("ix_login_attempts_ip_at", "ip", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    success: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)
