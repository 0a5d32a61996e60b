"""The township finance health index (乡镇财政健康指数).

Six dimensions, each made of indicators read from a region's 辖区 figures (so a county's index is
that of everything under it, weighted by money and counts as the figures are). Each indicator is
scored 0–100, piecewise-linearly between its thresholds; the index is the weighted mean of the
indicators that have data (an indicator without data — no funds, no subsidy payments — is left out
and the others' weights scale up; with data for less than ``min_weight_with_data`` of the weight there
is no index), and falls in a band. Weights and thresholds come from the
``HEALTH_INDEX`` setting, which carries a version; every answer and every stored value names it.
"""
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app

from . import figures

DIMENSIONS = {
    "guarantee": ("保障", "Guarantee"), "execution": ("执行", "Execution"), "reach": ("通达", "Reach"),
    "direct": ("惠民直达", "Direct benefit"), "rectify": ("整改", "Rectification"), "assets": ("三资", "Assets"),
}
BANDS = (  # lowest score of each band, best first
    (85, "healthy", "健康", "Healthy"), (70, "watch", "关注", "Watch"),
    (60, "warning", "预警", "Warning"), (0, "high_risk", "高风险", "High risk"),
)

# The indicators: how each value is read from the figures, in words and with the records behind it
# (a list filtered to the region, or a page of the region's own: {region} and {year} filled in).
INDICATORS = {
    # the year's funds (issued in it, as 下达资金 counts them) not yet arrived
    "arrival": ("到账率", "Share of funds issued that arrived", "%", "funds?stage=issued&year={year}"),
    # every fund arrived and not all spent, allocated or not: together they are 到账未支出
    "spending_gap": ("支出进度落后时间进度", "Points spending trails the year's time", "pt", "funds?stage=unspent"),
    # 资金到达情况 shows each hop against its deadline, the late ones first
    "hops_on_time": ("资金环节按时率", "Fund hops done on time", "%", "overview/{region}/fund-flow?year={year}"),
    "first_time_paid": ("补贴一次发放成功率", "Subsidy payments that succeeded first time", "%",
                        "subsidies/payments?status=failed"),
    "case_answer_days": ("“没收到”平均答复天数", "Days to answer a “not received” case", "d", "subsidies/cases"),
    "warnings_per_million": ("每百万元未处理预警", "Open warnings per ¥1M supervised", "", "risks"),
    "rect_on_time": ("整改按期办结率", "Rectifications closed on time", "%", "rectifications?tab=all"),  # closed ones too
    "idle_assets": ("闲置资产占比", "Idle assets, share of net value", "%", "assets?status=闲置"),
}


def _values(total, year, as_of):
    """Each indicator's value (None: no data) from a region's 辖区 figures for ``year`` on ``as_of``."""
    d = figures.derived(total, year, as_of)
    v = lambda name: Decimal(total.get(name) or 0)  # noqa: E731
    open_warnings = sum((v(f"warnings_open_{lv}") for lv in ("red", "orange", "yellow")), Decimal(0))
    supervised = v("funds_issued") + v("project_budget") + v("subsidy_paid")  # the money watched
    gap = None
    if d["spending_pct"] is not None:
        gap = max(Decimal(0), d["time_progress_pct"] - d["spending_pct"])
    return {
        "arrival": d["arrival_pct"],
        "spending_gap": gap,
        "hops_on_time": d["hops_on_time_pct"],
        "first_time_paid": d["first_time_paid_pct"],
        "case_answer_days": d["case_answer_days"],
        "warnings_per_million": ((open_warnings / supervised * 1_000_000).quantize(Decimal("0.01"))
                                 if supervised else None),
        "rect_on_time": d["rect_on_time_pct"],
        "idle_assets": d["idle_assets_pct"],
    }


def score(value, points):
    """0–100 by straight lines between the thresholds ``[(value, score), …]`` (sorted by value),
    flat beyond the first and last."""
    value = Decimal(value)
    points = [(Decimal(str(x)), Decimal(str(s))) for x, s in points]
    if value <= points[0][0]:
        return points[0][1]
    for (x0, s0), (x1, s1) in zip(points, points[1:]):
        if value <= x1:
            return s0 + (s1 - s0) * (value - x0) / (x1 - x0)
    return points[-1][1]


def band(value):
    for floor, code, zh, en in BANDS:
        if value >= floor:
            return {"code": code, "zh": zh, "en": en}
    return None


def _records(records, region_id, year):
    """The app's address of an indicator's records: a list filtered to the region, or the region's own
    page, for the cockpit's year where it names one (``{year}``: left out without a year); without a
    region, the bare list (the funds for a region's page)."""
    path, _, query = records.partition("?")
    args = [a.format(year=year) for a in query.split("&") if a and ("{year}" not in a or year)]
    if "{region}" in path:
        if not region_id:
            return "/funds"
        return f"/{path.format(region=region_id)}" + (f"?{'&'.join(args)}" if args else "")
    args += [f"region_id={region_id}"] if region_id else []
    return f"/{path}" + (f"?{'&'.join(args)}" if args else "")


def index(total, region_id=None, year=None, as_of=None):
    """The index of a region from its 辖区 figures: score, band, version, and every indicator with its
    value, score, weight and the points it lost, and where its records are (``year``: the cockpit's,
    whose time progress 执行 is judged against — a year gone by at its end; ``as_of``: a report
    period's last day, for the time progress alone)."""
    setting = current_app.config["HEALTH_INDEX"]
    values = _values(total, year or (as_of.year if as_of else None), as_of)
    scored, points = [], {}
    for dim, indicators in setting["dimensions"].items():
        for code, rule in indicators.items():
            value = values[code]
            s = None if value is None else score(value, rule["points"])
            scored.append((dim, code, Decimal(str(rule["weight"])), value, s))
            points[code] = [[str(x), str(p)] for x, p in rule["points"]]
    weight = sum((w for _, _, w, _, s in scored if s is not None), Decimal(0))
    total_score = None
    # Too little data for an index (a township with projects but no funds loaded yet): none is given.
    if weight and weight >= sum(w for _, _, w, _, _ in scored) * Decimal(str(setting["min_weight_with_data"])):
        total_score = sum((w * s for _, _, w, _, s in scored if s is not None), Decimal(0)) / weight
        total_score = total_score.quantize(Decimal("0.1"), ROUND_HALF_UP)
    out = []
    for dim, code, w, value, s in scored:
        zh, en, unit, records = INDICATORS[code]
        lost = None if s is None else (w / weight * (100 - s)).quantize(Decimal("0.1"), ROUND_HALF_UP)
        link = _records(records, region_id, year)
        out.append({"code": code, "dimension": dim, "dimension_zh": DIMENSIONS[dim][0],
                    "dimension_en": DIMENSIONS[dim][1], "zh": zh, "en": en, "unit": unit,
                    "value": value, "weight": w, "score": None if s is None else s.quantize(Decimal("0.1")),
                    "points_lost": lost, "records": link, "thresholds": points[code]})
    return {"version": setting["version"], "score": total_score,
            "band": band(total_score) if total_score is not None else None, "indicators": out,
            "bands": [{"floor": floor, "code": code, "zh": zh, "en": en} for floor, code, zh, en in BANDS],
            "min_weight_with_data": str(setting["min_weight_with_data"])}
