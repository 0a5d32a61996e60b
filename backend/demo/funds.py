"""Demo funds (资金) for the busy townships: budget lines in every state — issued and never
registered, arrived and waiting, allocated to a project or a policy, spent, and money left idle —
so the register, the chain and the four fund rules all have something to show."""
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from ..core import clock
from ..funds import services
from ..projects.models import Project
from ..subsidies.models import SubsidyPolicy

# (文号, 资金名称, category, source, amount, days since issue, days to arrive or None,
#  share allocated, share spent)
LINES = [
    ("浙财农〔{y}〕12号", "农村公路养护省级补助资金", "general_transfer", "province", "860000.00", 45, None, 0, 0),
    ("浙财农〔{y}〕31号", "美丽乡村建设专项资金", "special_transfer", "province", "1200000.00", 120, 6, 1, Decimal("0.4")),
    ("杭财农〔{y}〕8号", "山塘水库除险加固市级补助", "special_transfer", "city", "300000.00", 75, 3, Decimal("0.5"), 0),
    ("临财预〔{y}〕{n}号", "{office}办公经费", "own", "township", "150000.00", 70, 0, 1, Decimal("0.8")),
    ("财农〔{y}〕102号", "耕地地力保护补贴（中央）", "special_transfer", "central", "420000.00", 230, 10, 1, Decimal("0.6")),
    ("临财农〔{y}〕21号", "高标准农田建设区级配套", "special_transfer", "county", "500000.00", 35, 2, 1, 1),
]


def load(users, made, rng):
    """Budget lines for 锦城街道 and 太湖源镇 (recorded by the county); returns how many. The two share
    the province's and the city's documents (one document allocates to many townships), each its own
    amount; their own budgets are their own documents, a 街道's or a 镇's."""
    county = users["linan_sup"]
    today = clock.today()
    count = 0
    for n, (town_name, scale) in enumerate((("锦城街道", Decimal(1)), ("太湖源镇", Decimal("0.7")))):
        town = made[town_name]
        office = "街道" if town_name.endswith("街道") else "乡镇"
        project = db_first(select(Project).join(Project.region).where(Project.region.has(parent_id=town.id)))
        policy = db_first(select(SubsidyPolicy).order_by(SubsidyPolicy.id))
        for doc, name, category, source, amount, issued, arrive, allocated, spent in LINES:
            amount = (Decimal(amount) * scale).quantize(Decimal("100"))
            fund = services.create_fund(county, {
                "region_id": town.id, "doc_no": doc.format(y=today.year, n=5 + n), "name": name.format(office=office),
                "category": category,
                "source_level": source, "amount": amount, "issued_on": today - timedelta(days=issued)})
            count += 1
            if arrive is None:
                continue
            arrived_on = today - timedelta(days=issued - arrive)
            services.register_arrival(fund, county, arrived_on, f"LA-{today.year}-{rng.randrange(1000, 9999)}")
            if not allocated:
                continue
            share = (amount * Decimal(allocated)).quantize(Decimal("0.01"))
            on = arrived_on + timedelta(days=min(5, issued - arrive))
            if project is not None and category == "special_transfer" and source != "central":
                target = {"target": "project", "project_id": project.id}
            elif policy is not None and source == "central":
                target = {"target": "policy", "policy_id": policy.id}
            else:
                target = {"target": "own", "purpose": f"{office}日常运转"}
            services.allocate(fund, county, {**target, "amount": share, "allocated_on": min(on, today)})
            if spent:
                services.spend(fund, county, {
                    "spent_on": min(on + timedelta(days=3), today), "amount": (amount * Decimal(spent)).quantize(Decimal("0.01")),
                    "payee": "杭州临安城建工程有限公司" if target["target"] == "project" else "临安区农商银行（代发）",
                    "voucher_no": f"记-{today.year}-{rng.randrange(100, 999)}-{count}"})
    return count


def db_first(stmt):
    from ..extensions import db
    return db.session.execute(stmt.limit(1)).scalars().first()
