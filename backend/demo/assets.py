"""Demo 三资 for the busy townships' villages: assets in use, let and idle (an old office empty for
over a year), a forest let under contract whose rent is paid for the first years only, so the
register, the cockpit's 三资 figures and the health index's 闲置资产占比 have something to show, and
the overdue-rent rule fires."""
from datetime import timedelta
from decimal import Decimal

from ..assets import services
from ..core import clock

# (name, category, original value, net value share, status, years held)
ASSETS = [
    ("村文化礼堂", "公益性", 1_200_000, Decimal("0.82"), "在用", 7),
    ("老村委办公楼", "经营性", 680_000, Decimal("0.55"), "闲置", 18),
    ("农贸市场摊位房", "经营性", 450_000, Decimal("0.74"), "出租", 9),
    ("村道太阳能路灯", "公益性", 96_000, Decimal("0.6"), "在用", 4),
]


def load(users, made, rng):
    """Assets, a resource and a contract in each village of 锦城街道 and 太湖源镇; returns how many assets."""
    lead = users["jincheng_lead"]
    county = users["linan_sup"]
    today = clock.today()
    count = 0
    for town_name in ("锦城街道", "太湖源镇"):
        town = made[town_name]
        actor = lead if town_name == "锦城街道" else county
        for village in (r for r in made.values() if r.parent_id == town.id):
            for name, category, value, share, status, years in ASSETS:
                original = Decimal(value) + Decimal(rng.randrange(0, 50)) * 1000
                services.create_asset(actor, {
                    "region_id": village.id, "name": f"{village.name}{name}", "category": category,
                    "original_value": original, "net_value": (original * share).quantize(Decimal("0.01")),
                    "location": f"杭州市临安区{town_name}{village.name}", "acquired_on": today - timedelta(days=365 * years),
                    "status": status, "status_changed_on": today - timedelta(days=400 if status == "闲置" else 365 * years)})
                count += 1
            forest = services.create_resource(actor, {
                "region_id": village.id, "name": f"{village.name}东山坞林地", "kind": "林地",
                "area": Decimal(rng.randrange(200, 600)) / 10, "location": f"{village.name}东山坞"})
            starts = today - timedelta(days=365 * 3 + 30)
            contract = services.create_contract(actor, {
                "region_id": village.id, "kind": "承包", "resource_id": forest.id,
                "counterparty": "杭州临安山核桃专业合作社", "starts_on": starts,
                "ends_on": services.add_years(starts, 10), "annual_amount": Decimal("12000.00")})
            for year in range(2 if rng.random() < 0.5 else 3):  # one year's rent owed, or two
                services.record_receipt(contract, actor, {
                    "received_on": services.add_years(starts, year) + timedelta(days=10), "amount": Decimal("12000.00"),
                    "voucher_no": f"收-{village.code[-6:]}-{year + 1}"})
    return count
