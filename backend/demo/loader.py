"""The Lin'an demo: Zhejiang → Hangzhou → 临安区, its 18 townships and streets under their official
codes (see regions_linan.json for the source), villages, management units, about a hundred projects
across every stage with histories, and one user per role. Deterministic (seeded) and idempotent."""
import json
import random
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from ..auth.services import create_user
from ..core import clock
from ..core.models import Region, User
from ..extensions import db
from ..projects import services as projects
from ..projects.models import Project

DATA = Path(__file__).with_name("regions_linan.json")
PASSWORD = "Jicai@2026"

# (user name, display name, role, region name or code)
USERS = [
    ("admin", "系统管理员", "admin", "浙江省"),
    ("zj_sup", "省财政厅 周立", "province", "浙江省"),
    ("hz_sup", "杭州市财政局 王敏", "city", "杭州市"),
    ("linan_sup", "临安区财政局 陈建国", "county", "临安区"),
    ("jincheng_lead", "锦城街道财政所 李华", "township_lead", "锦城街道"),
    ("jincheng_insp", "锦城街道巡查员 张磊", "inspector", "锦城街道"),
    ("taihuyuan_lead", "太湖源镇财政所 刘芳", "township_lead", "太湖源镇"),
    ("taihuyuan_insp", "太湖源镇巡查员 赵强", "inspector", "太湖源镇"),
    ("changhua_lead", "昌化镇财政所 吴斌", "township_lead", "昌化镇"),
    ("jincheng_clerk", "锦城街道财政所 陈静", "clerk", "锦城街道"),  # builds payment batches (一键直连)
]

WORKS = [
    ("道路交通", "农村公路提升改造工程", 80, 400), ("道路交通", "通村道路拓宽及安防工程", 60, 260),
    ("道路交通", "古道修复及游步道建设", 30, 120), ("农田水利", "山塘水库除险加固工程", 90, 500),
    ("农田水利", "高标准农田建设项目", 120, 600), ("农田水利", "溪道综合治理工程", 70, 350),
    ("农田水利", "农村饮用水达标提标工程", 50, 220), ("美丽乡村", "美丽乡村精品村建设项目", 150, 800),
    ("美丽乡村", "村庄景观提升工程", 40, 180), ("人居环境", "生活污水管网改造工程", 60, 300),
    ("人居环境", "垃圾分类资源化处理站", 25, 90), ("人居环境", "公厕改造提升工程", 10, 45),
    ("公共服务", "文化礼堂建设项目", 40, 160), ("公共服务", "居家养老服务照料中心", 30, 120),
    ("公共服务", "村级便民服务中心改造", 20, 80), ("产业发展", "山核桃产业园配套设施", 80, 420),
    ("产业发展", "竹笋加工厂房建设项目", 60, 300), ("生态保护", "山体滑坡隐患点治理工程", 40, 200),
]
CONTRACTORS = ["杭州临安城建工程有限公司", "浙江天目建设集团有限公司", "杭州锦城市政园林有限公司",
               "临安区青山湖水利建设有限公司", "浙江昌化路桥工程有限公司", "杭州於潜建筑工程有限公司",
               "浙江太湖源生态建设有限公司", "杭州龙岗古建园林有限公司"]
FUNDING = [("省级专项资金", Decimal("0.5")), ("市级补助资金", Decimal("0.2")), ("区级配套资金", Decimal("0.3"))]
STAGES = projects.STAGES
# How much of the contract is normally paid by the end of each stage.
PAID_SHARE = {"contracted": Decimal("0.1"), "construction": Decimal("0.5"), "acceptance": Decimal("0.7"),
              "settlement": Decimal("0.8"), "audit": Decimal("0.97")}
PROGRESS = {"approved": 0, "tendering": 0, "contracted": 5, "construction": 55, "acceptance": 100,
            "settlement": 100, "audit": 100, "archived": 100}


def _regions():
    data = json.loads(DATA.read_text(encoding="utf-8"))
    made = {}

    def add(entry, level, parent):
        path = (parent.path if parent else "/") + entry["code"] + "/"
        region = Region(code=entry["code"], name=entry["name"], level=level,
                        parent_id=parent.id if parent else None, path=path,
                        lat=entry.get("lat"), lng=entry.get("lng"))
        db.session.add(region)
        db.session.flush()
        made[entry["name"]] = region
        return region

    province = add(data["province"], "province", None)
    city = add(data["city"], "city", province)
    county = add({**data["county"], "lat": 30.233, "lng": 119.725}, "county", city)
    rng = random.Random(7)
    for town in data["townships"]:
        township = add(town, "township", county)
        for village in town["villages"]:
            add({**village, "lat": round(town["lat"] + rng.uniform(-0.04, 0.04), 5),
                 "lng": round(town["lng"] + rng.uniform(-0.05, 0.05), 5)}, "village", township)
    return made, county


def load():
    """Load the demo once. Returns a one-line summary."""
    if db.session.execute(select(Region.id).where(Region.code == "330000000000")).first():
        return "demo already loaded; nothing changed"
    made, county = _regions()
    users = {}
    for username, name, role, region_name in USERS:
        admin = users.get("admin")
        region = made[region_name]
        if admin is None:  # the first administrator is created directly, like `flask create-user`
            from ..core.auth import hash_password
            user = User(username=username, display_name=name, password_hash=hash_password(PASSWORD),
                        role=role, region_id=region.id)
            db.session.add(user)
            db.session.flush()
        else:
            user = create_user(admin, username, name, PASSWORD, role, region.id)
        users[username] = user
    county_user = users["linan_sup"]
    rng = random.Random(2026)
    townships = [r for r in made.values() if r.level == "township"]
    busy = [made[name] for name in ("锦城街道", "太湖源镇", "昌化镇", "锦北街道", "於潜镇", "天目山镇")]
    units = {}
    for town in townships:
        office = "街道办事处" if town.name.endswith("街道") else "乡镇人民政府"
        units[town.id] = projects.create_unit(county_user, town.id, f"{town.name}财政所", "乡镇财政所",
                                              address=f"杭州市临安区{town.name}", head_name=None)
        projects.create_unit(county_user, town.id, f"{town.name}{'办事处' if office == '街道办事处' else '人民政府'}",
                             office, address=f"杭州市临安区{town.name}")
    villages = [r for r in made.values() if r.level == "village"]
    for village in villages:
        kind = "村股份经济合作社" if village.name.endswith("村") else "村民委员会"
        projects.create_unit(county_user, village.id, f"{village.name}{'股份经济合作社' if kind == '村股份经济合作社' else '居民委员会'}",
                             kind, address=f"杭州市临安区{village.name}")

    now = clock.now()
    count = 0
    for index in range(104):
        stage = STAGES[index % len(STAGES)]
        # The demo users' townships get more projects, so they have plenty to look at.
        town = busy[index % len(busy)] if index % 5 else rng.choice(townships)
        town_villages = [v for v in villages if v.parent_id == town.id]
        site = rng.choice(town_villages) if town_villages and rng.random() < 0.8 else town
        category, work, low, high = rng.choice(WORKS)
        budget = Decimal(rng.randrange(low, high)) * 10000 + Decimal(rng.randrange(0, 100)) * 100
        started = now - timedelta(days=rng.randrange(60 + 40 * STAGES.index(stage), 120 + 70 * STAGES.index(stage)))
        planned_end = (started + timedelta(days=rng.randrange(180, 420))).date()
        sources = [{"source": s, "amount": (budget * share).quantize(Decimal("0.01"))} for s, share in FUNDING]
        sources[-1]["amount"] = budget - sum(s["amount"] for s in sources[:-1])
        project = projects.create_project(users["jincheng_lead"] if town.name == "锦城街道" else county_user, {
            "region_id": site.id, "unit_id": units[town.id].id,
            "name": f"{started.year}年{site.name}{work}", "category": category,  # (the year its number carries)
            "budget": budget, "funding_sources": sources, "site_address": f"杭州市临安区{town.name}{site.name if site is not town else ''}",
            "lat": round((site.lat or 30.2) + rng.uniform(-0.004, 0.004), 6),
            "lng": round((site.lng or 119.7) + rng.uniform(-0.004, 0.004), 6),
            "planned_start_on": started.date(), "planned_end_on": planned_end,
            "description": f"{site.name}{work}，建设内容按批复实施，资金来源为省市区三级财政资金。",
        }, at=started)
        _history(project, stage, started, county_user, rng)
        count += 1
    db.session.flush()
    from . import subsidies
    people = subsidies.load(users, made, rng)
    villager = people[0]
    from . import funds
    fund_count = funds.load(users, made, rng)
    from . import assets
    asset_count = assets.load(users, made, rng)
    warnings, rects = _risks(users, made, rng)
    from . import departments
    departments.load(users, made, PASSWORD)  # 部门协同: departments, dept_nongye, two tasks
    from . import bank  # 一键直连: a batch paid, two failures fixed and re-paid in a follow-up batch
    bank.load(users, [subsidies.person_id(p) for p in (people[0], people[15])])
    db.session.info.pop("touched", None)  # _risks scanned everything already: no job per demo project
    return (f"demo loaded: {len(made)} regions, {count} projects, {warnings} risk warnings, {rects} "
            f"rectifications, {fund_count} budget lines, {asset_count} assets, {len(users)} users (password {PASSWORD}); villager self-check: "
            f"{villager['name']} {villager['id']} card ending {villager['card'][-4:]}")


def _history(project, target, started, actor, rng):
    """Walk a project from 'approved' to ``target`` with dated stage moves and payments."""
    at = started
    contract = None
    paid = Decimal("0")
    voucher = 0
    for frm, to in zip(STAGES, STAGES[1:STAGES.index(target) + 1]):
        at += timedelta(days=rng.randrange(15, 45))
        details = {}
        if to == "contracted":
            contract = (project.budget * Decimal(rng.randrange(88, 99)) / 100).quantize(Decimal("1"))
            details = {"contractor": rng.choice(CONTRACTORS), "contract_amount": contract}
        projects.move_stage(project, actor, to, note=None, at=at, **details)
        if to in PAID_SHARE:
            due = (contract * PAID_SHARE[to]).quantize(Decimal("0.01")) - paid
            parts = 2 if to == "construction" else 1
            for part in range(parts):
                amount = (due / parts).quantize(Decimal("0.01"))
                if amount <= 0:
                    continue
                voucher += 1
                projects.record_payment(project, actor, {
                    "amount": amount, "paid_on": (at + timedelta(days=3 + 7 * part)).date(),
                    "payee": project.contractor, "voucher_no": f"记-{at.year}-{project.id:04d}{voucher:02d}",
                    "funding_source": project.funding_sources[voucher % len(project.funding_sources)]["source"],
                }, at=at + timedelta(days=3 + 7 * part))
                paid += amount
    project.progress_pct = PROGRESS[target] if target != "construction" else rng.randrange(20, 90)


def _risks(users, made, rng):
    """Plant the patterns the rules look for in 锦城街道, run the rules, and walk rectifications
    into every state, so every screen of the loop has something to show."""
    from ..inspections import services as inspections
    from ..rectifications import services as rectifications
    from ..risks import engine
    from ..risks.models import RiskWarning

    town = made["锦城街道"]
    lead, inspector, county = users["jincheng_lead"], users["jincheng_insp"], users["linan_sup"]
    mine = db.session.execute(select(Project).join(Region, Region.id == Project.region_id).where(
        Region.path.startswith(town.path)).order_by(Project.id)).scalars().all()
    active = [p for p in mine if p.stage in ("contracted", "construction", "acceptance")] or mine
    early = [p for p in mine if p.stage in ("approved", "tendering", "contracted", "construction")] or mine
    # Payments ahead of progress, one of them over half the budget.
    for project in active[:2]:
        projects.record_payment(project, county, {
            "amount": (project.budget * Decimal("0.55")).quantize(Decimal("0.01")),
            "paid_on": clock.today() - timedelta(days=20), "payee": project.contractor or "某公司",
            "voucher_no": f"记-风险-{project.id}", "funding_source": "区级配套资金"})
    # One contractor holding most of the township's contracted projects.
    for project in [p for p in mine if p.contractor][:6]:
        project.contractor = "杭州锦城市政园林有限公司"
    # Late plans: projects past their planned completion.
    for project in early[-3:]:
        project.planned_end_on = clock.today() - timedelta(days=rng.randrange(20, 90))
    # An inspection recorded far from the site, and one on site.
    for project, far in ((active[-1], True), (active[0], False)):
        inspections.record(inspector, project, {
            "client_uuid": str(uuid.UUID(int=rng.getrandbits(128))), "verdict": "problem" if far else "normal",
            "findings": "现场护栏缺失" if far else "", "checklist": [],
            "lat": (project.lat or 30.2) + (0.05 if far else 0.0005), "lng": project.lng or 119.7,
            "accuracy_m": 15})
    db.session.flush()
    engine.scan()
    found = db.session.execute(select(RiskWarning).where(RiskWarning.status == "open", RiskWarning.project_id.in_(
        [p.id for p in mine])).order_by(RiskWarning.id)).scalars().all()
    due = clock.today() + timedelta(days=10)
    states = ["open", "submitted", "approved", "rejected", "closed_not_fixed", "overdue"]
    made_rects = 0
    for warning, state in zip(found, states):
        project = db.session.get(Project, warning.project_id)
        rect = rectifications.open_rectification(lead, project, f"针对「{engine.RULES[warning.rule_code].NAME_ZH}」"
                                                 "整改并提交佐证材料", inspector.id, due, warning=warning)
        made_rects += 1
        if state in ("submitted", "approved", "rejected"):
            rectifications.submit(rect, inspector, str(uuid.UUID(int=rng.getrandbits(128))), "已按要求整改，附现场说明")
        if state == "approved":
            rectifications.decide(rect, lead, "approve")
        if state == "rejected":
            rectifications.decide(rect, lead, "reject", reason="佐证材料不足，请补拍现场照片")
        if state == "closed_not_fixed":
            rectifications.decide(rect, lead, "close_unfixed", reason="涉及合同纠纷，乡镇无法自行整改，已报区财政局")
        if state == "overdue":  # opened 25 days ago with 20 days to do it: 5 days past them now
            from ..rectifications.models import Transition
            opened = clock.now() - timedelta(days=25)
            rect.created_at, rect.due_on = opened, clock.today() - timedelta(days=5)
            warning.first_seen_at = min(clock.as_utc(warning.first_seen_at), opened)
            for step in db.session.execute(select(Transition).where(Transition.rectification_id == rect.id)).scalars():
                step.at = opened
            db.session.flush()
            rectifications.escalate()
    # A false positive dismissed by the county, with its reason.
    rest = [w for w in found[len(states):] if w.status == "open"]
    if rest:
        engine.dismiss(rest[0], county, "经核实为合同约定的预付款，非违规支付")
    engine.scan()  # the overdue rectification is itself a warning now
    return len(found), made_rects
