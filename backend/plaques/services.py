"""What a scan shows, code revocation with its timeline entries, and the printable label sheet."""
from types import SimpleNamespace

from flask import render_template
from sqlalchemy import bindparam, func, or_, select

from ..assets import views as asset_views
from ..assets.models import Asset, Resource, ResourceContract
from ..core.cache import Lru
from ..core.models import Region
from ..core.scoping import covers
from ..extensions import db
from ..projects import services as projects
from ..projects.models import Project, Unit
from ..qrcodes import services as qrcodes
from ..qrcodes.codes import pretty
from ..qrcodes.models import QrCode


rendered = Lru(4096)  # scan responses, keyed by ``version_key``
_version_stmt = None


def version_key(text, actor):
    """One query that validates the code and names the exact version of what a scan would show:
    (project, chain head, last update, view). Every change to a project appends to its chain or
    bumps ``updated_at``, so a response cached under this key is always current. None for units
    (not cached). Raises like ``scan``."""
    global _version_stmt
    if _version_stmt is None:  # built once: this is the hottest query in the system
        _version_stmt = (
            select(QrCode.code, QrCode.status, QrCode.revoke_reason, QrCode.replaced_by, QrCode.subject_type,
                   QrCode.subject_id, Project.chain_head, Project.updated_at, Region.path)
            .outerjoin(Project, (QrCode.subject_type == "project") & (Project.id == QrCode.subject_id))
            .join(Region, Region.id == QrCode.region_id)
            .where(QrCode.code == bindparam("code")))
    row = db.session.execute(_version_stmt, {"code": qrcodes.parse(text)}).first()
    if row is None:
        raise qrcodes.not_found_error()
    if row.status != "active":
        raise qrcodes.revoked_error(row)
    if row.subject_type != "project":
        return None
    view = f"full:{actor.role}" if covers(actor, SimpleNamespace(path=row.path)) else "public"
    return (row.code, row.subject_id, row.chain_head, row.updated_at.isoformat(), view)


def scan(text, actor):
    """Resolve a typed or scanned code to what it marks. 400 malformed/checksum, 404 unknown,
    410 ``code_revoked``."""
    row = qrcodes.find(qrcodes.parse(text))
    if row.status != "active":
        raise qrcodes.revoked_error(row)
    out = {"code": row.code, "subject_type": row.subject_type, "project": None, "unit": None, "village": None,
           "asset": None, "contract": None}
    if row.subject_type == "project":
        out["project"] = projects.view(db.session.get(Project, row.subject_id), actor)
    elif row.subject_type == "asset":  # 一物一码: the public sees what it is, where, and its state
        out["asset"] = asset_views.asset_view(db.session.get(Asset, row.subject_id), actor)
    elif row.subject_type == "contract":  # never the counterparty or the money for the public
        out["contract"] = asset_views.contract_view(db.session.get(ResourceContract, row.subject_id), actor)
    elif row.subject_type == "village":  # 一村一码: the app opens the village's notice board
        village = db.session.get(Region, row.subject_id)
        out["village"] = {"id": village.id, "name": village.name, "code": village.code}
    else:
        out["unit"] = unit_view(db.session.get(Unit, row.subject_id), actor)
    return out


def unit_view(unit, actor):
    """A unit and the projects it manages (public facts only, plus the head's name when in scope)."""
    rows = db.session.execute(
        select(Project, QrCode.code).outerjoin(QrCode, (QrCode.subject_type == "project")
                                               & (QrCode.subject_id == Project.id)
                                               & (QrCode.status == "active"))
        .where(Project.unit_id == unit.id).order_by(Project.id.desc()).limit(200)).all()
    full = covers(actor, unit.region)
    return {"view": "full" if full else "public", "id": unit.id, "name": unit.name, "kind": unit.kind,
            "region": unit.region, "address": unit.address,
            "head_name": unit.head_name if full else None,
            "projects": [{"id": p.id, "name": p.name, "stage": p.stage, "budget": p.budget, "code": code}
                         for p, code in rows]}


def revoke(row, actor, reason, reissue):
    """Revoke (and optionally reissue) a code; the project's timeline records it."""
    if reissue:
        new = qrcodes.reissue(row, actor, reason)
        projects.code_changed(row.subject_type, row.subject_id, actor, "code_reissued",
                              old=row.code, new=new.code, reason=reason)
        return new
    qrcodes.revoke(row, actor, reason)
    projects.code_changed(row.subject_type, row.subject_id, actor, "code_revoked",
                          code=row.code, reason=reason)
    return row


def labels(region, kind="all", stage=None, chosen=None):
    """Label data for the region's subtree: (kind, name, region name, active code) of its projects
    and/or units. ``chosen`` ({"project": ids, "village": ids, "within": region ids}) prints only those
    projects and villages, and every village under a ``within`` region (all within the subtree: an id
    outside it prints nothing)."""
    out = []
    if chosen is not None:
        kind = "chosen"
    for subject_type, model, title in (("project", Project, "项目"), ("unit", Unit, "管理单位")):
        if kind not in ("all", subject_type) and not (kind == "chosen" and subject_type == "project"):
            continue
        stmt = (select(model.name, Region.name, QrCode.code)
                .join(Region, model.region_id == Region.id)
                .join(QrCode, (QrCode.subject_type == subject_type) & (QrCode.subject_id == model.id)
                      & (QrCode.status == "active"))
                .where(Region.path.startswith(region.path)).order_by(Region.code, model.id))
        if stage and model is Project:
            stmt = stmt.where(Project.stage == stage)
        if kind == "chosen":
            stmt = stmt.where(model.id.in_(chosen.get("project") or [0]))
        out += [(title, *row) for row in db.session.execute(stmt)]
    if kind in ("all", "asset"):  # 三资: the asset's plaque
        out += [("资产", name, region_name, code) for name, region_name, code in db.session.execute(
            select(Asset.name, Region.name, QrCode.code).join(Region, Asset.region_id == Region.id)
            .join(QrCode, (QrCode.subject_type == "asset") & (QrCode.subject_id == Asset.id) & (QrCode.status == "active"))
            .where(Region.path.startswith(region.path), Asset.status != "处置").order_by(Region.code, Asset.id))]
    if kind in ("all", "contract"):  # the contract's plaque on the field or building let out
        subject = func.coalesce(Resource.name, Asset.name)
        out += [("承包/租赁", f"{subject_name}（{kind_}）", region_name, code)
                for subject_name, kind_, region_name, code in db.session.execute(
                    select(subject, ResourceContract.kind, Region.name, QrCode.code)
                    .join(Region, ResourceContract.region_id == Region.id)
                    .outerjoin(Resource, Resource.id == ResourceContract.resource_id)
                    .outerjoin(Asset, Asset.id == ResourceContract.asset_id)
                    .join(QrCode, (QrCode.subject_type == "contract") & (QrCode.subject_id == ResourceContract.id)
                          & (QrCode.status == "active"))
                    .where(Region.path.startswith(region.path), ResourceContract.status == "active")
                    .order_by(Region.code, ResourceContract.id))]
    if kind in ("all", "village", "chosen"):  # 一村一码: the village's notice-board code
        stmt = (select(Region.name, QrCode.code)
                .join(QrCode, (QrCode.subject_type == "village") & (QrCode.subject_id == Region.id)
                      & (QrCode.status == "active"))
                .where(Region.path.startswith(region.path)).order_by(Region.code))
        if kind == "chosen":
            wholes = db.session.scalars(select(Region.path).where(
                Region.id.in_(chosen.get("within") or [0]), Region.path.startswith(region.path))).all()
            stmt = stmt.where(or_(Region.id.in_(chosen.get("village") or [0]),
                                  *(Region.path.startswith(path) for path in wholes)))
        out += [("村务公开", name, name, code) for name, code in db.session.execute(stmt)]
    return out


PER_PAGE = 21  # A4, 3 × 7 labels of 63.5 × 38.1 mm (standard L7160 label paper)


def label_sheet(region, kind="all", stage=None, served=False, chosen=None):
    """The printable HTML sheet (A4, 21 labels a page), QR symbols inline as SVG. ``served``: for the
    browser (a print button, its script from /js/); otherwise a file to open from disk."""
    items = [{"kind": k, "name": name, "region": region_name, "code": code,
              "pretty": pretty(code), "url": qrcodes.scan_url(code), "svg": qrcodes.inline_svg(code)}
             for k, name, region_name, code in labels(region, kind, stage, chosen)]
    pages = [items[i:i + PER_PAGE] for i in range(0, len(items), PER_PAGE)]
    return render_template("labels.html", region=region, pages=pages, count=len(items), served=served)
