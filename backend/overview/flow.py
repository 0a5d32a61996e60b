"""How upper-level money reached the townships of a region (资金到达): every budget line (指标) issued
in the year in the region's subtree, hop by hop — 下达 issued → 到账 registered → 分配 allocated → 支出
spent — with the days each hop took against its statutory limit (``FUND_DEADLINE_DAYS``, read by the
one hop rule ``funds.services.hops`` that the cockpit's figures and the fund rules share), late hops
flagged, and the same hops summed by child region and by fund category.

Read straight from the fund tables (budget lines are few: a township has tens to hundreds a year);
the route keeps the answer rendered per version of the region's figures (routes._cached), which a
fund's arrival, allocation or spending bumps through the summary's refresh.
"""
from collections import defaultdict
from decimal import Decimal

from flask import current_app
from sqlalchemy import extract, select

from ..core import clock
from ..core.models import Region
from ..core.scoping import scoped
from ..extensions import db
from ..funds import services as fund_services
from ..funds.models import CATEGORIES, Fund
from .services import region_brief


def fund_flow(region, actor, year, category=None, page=1, per_page=50):
    """The funds issued in ``year`` (of ``category``) in ``region``'s subtree with their hops, late ones
    first, one page of them; and the hops summed for the whole subtree, per child region (本级 for funds
    on the region itself) and per category. Raises 403/404 through the scoping helper."""
    stmt = scoped(select(Fund.id), Fund, actor, within=region.id).where(extract("year", Fund.issued_on) == year)
    if category:
        stmt = stmt.where(Fund.category == category)
    chosen = stmt  # the funds' ids, as a subquery for their allocations and expenditures
    rows = db.session.execute(stmt.with_only_columns(
        Fund.id, Fund.region_id, Fund.doc_no, Fund.name, Fund.category, Fund.amount, Fund.issued_on,
        Fund.arrived_on, Region.path, Region.name.label("region_name"))
        .order_by(Fund.issued_on.desc(), Fund.id.desc())).all()
    today = clock.today()
    flows = fund_services.flows(rows, chosen, today, current_app.config["FUND_DEADLINE_DAYS"])
    children = db.session.execute(select(Region).where(Region.parent_id == region.id)
                                  .order_by(Region.code)).scalars().all()
    child_of = _child_finder(region, children)

    total, by_child, by_category = _Sum(), defaultdict(_Sum), defaultdict(_Sum)
    items = []
    for fund in rows:
        hops, allocated, spent = flows[fund.id]
        child = child_of(fund.path)
        for bucket in (total, by_child[child.id if child else None], by_category[fund.category]):
            bucket.add(hops)
        items.append((fund, child, hops, allocated, spent))
    items.sort(key=lambda item: not any(h["late"] for h in item[2]))  # stable: late first, newest issue first
    start = (page - 1) * per_page
    return {
        "region": region_brief(region), "year": year, "category": category, "as_of": clock.now(),
        "limits": {code: {hop: int(days) for hop, days in fund_services.hop_limits(
            current_app.config["FUND_DEADLINE_DAYS"], code).items()} for code in CATEGORIES},
        "total": total.out(),
        "by_child": ([{"region": None, "own": True, **by_child[None].out()}] if None in by_child else [])
        + [{"region": region_brief(c), "own": False, **by_child[c.id].out()} for c in children
           if c.id in by_child or (c.status == "active" and c.level != "village")],  # funds stop at townships
        "by_category": [{"category": _named(code), **by_category[code].out()} for code in CATEGORIES
                        if code in by_category or not category],
        "funds": [_fund_row(*item) for item in items[start:start + per_page]], "page": page, "per_page": per_page, "total_funds": len(items),
    }


def _child_finder(region, children):
    """path → the child region whose subtree holds it (None: the region itself)."""
    by_path = {c.path: c for c in children}

    def child_of(path):
        if path == region.path:
            return None
        head = path[:path.index("/", len(region.path)) + 1]  # the region's path and one more code
        return by_path.get(head)
    return child_of


def _named(code):
    zh, en = CATEGORIES.get(code, (code, code))
    return {"code": code, "zh": zh, "en": en}


def _fund_row(fund, child, hops, allocated, spent):
    return {"id": fund.id, "doc_no": fund.doc_no, "name": fund.name, "category": _named(fund.category),
            "region": {"id": fund.region_id, "name": fund.region_name},
            "child": {"id": child.id, "name": child.name} if child else None,
            "amount": fund.amount, "allocated": allocated, "spent": spent, "issued_on": fund.issued_on,
            "hops": hops, "late": any(h["late"] for h in hops)}


class _Sum:
    """Hops summed: funds, and per hop how many are due, on time, late, and the days the done ones took."""

    def __init__(self):
        self.funds = 0
        self.late_funds = 0
        self.hops = {hop: {"due": 0, "on_time": 0, "late": 0, "done": 0, "days": 0}
                     for hop in fund_services.HOPS}

    def add(self, hops):
        self.funds += 1
        self.late_funds += any(h["late"] for h in hops)
        for h in hops:
            into = self.hops[h["hop"]]
            into["due"] += h["due"]
            into["on_time"] += h["on_time"]
            into["late"] += h["late"]
            if h["days"] is not None:
                into["done"] += 1
                into["days"] += h["days"]

    def out(self):
        due = sum(h["due"] for h in self.hops.values())
        on_time = sum(h["on_time"] for h in self.hops.values())
        return {"funds": self.funds, "late_funds": self.late_funds, "hops_due": due, "hops_on_time": on_time,
                "hops_late": sum(h["late"] for h in self.hops.values()), "on_time_pct": _pct(on_time, due),
                "per_hop": {hop: {**h, "on_time_pct": _pct(h["on_time"], h["due"]),
                                  "avg_days": _mean(h["days"], h["done"])} for hop, h in self.hops.items()}}


def _pct(part, whole):
    return (Decimal(part) / whole * 100).quantize(Decimal("0.1")) if whole else None


def _mean(days, count):
    return (Decimal(days) / count).quantize(Decimal("0.1")) if count else None
