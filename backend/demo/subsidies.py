"""Demo subsidy data for 锦城街道, imported through the real importer from the kind of CSV files a
township clerk has: the county's policy list, the villages' beneficiaries, ten months of payments,
the notice boards, a death list and a public-employee list — with one of each subsidy risk planted,
two villagers' "没收到" cases and public comments on projects. Every village gets its 一村一码 code.

The villager to try the self-check with is printed by ``flask demo`` and listed in the README.
"""
from decimal import Decimal

from sqlalchemy import select

from ..comments import services as comments
from ..core import pii
from ..extensions import db
from ..projects.models import Project
from ..imports import engine
from ..subsidies import services
from ..subsidies.models import Beneficiary

SURNAMES = "王李张刘陈杨黄赵吴周徐孙胡朱高林何郭马罗"
GIVEN = ["建国", "秀英", "伟", "芳", "志强", "桂兰", "海峰", "丽华", "国庆", "春梅", "文斌", "玉珍", "立新", "金花",
         "永福", "小红", "德明", "美玲", "宝根", "雪芬"]
POLICIES = """临安区2026年度惠民惠农财政补贴政策清单
政策名称,类别,补贴标准,单位,年度,政策依据,主管部门,不享受对象,互斥政策
耕地地力保护补贴,种粮补贴,120,元/亩,2026,浙财农〔2026〕12号,区农业农村局,财政供养人员；长期抛荒耕地,
耕地地力保护补贴,种粮补贴,115,元/亩,2025,浙财农〔2025〕9号,区农业农村局,财政供养人员,
城乡居民基础养老金,社会保障,230,元/人·月,2026,浙政发〔2026〕3号,区人力社保局,已领取职工养老金人员,
农村低保金,社会救助,850,元/户·月,2026,浙民〔2026〕21号,区民政局,财政供养人员,特困人员供养金
特困人员供养金,社会救助,1200,元/人·月,2026,浙民〔2026〕22号,区民政局,,农村低保金
残疾人两项补贴,残疾人保障,150,元/人·月,2026,浙残联〔2026〕5号,区残联,,
"""
# The README's self-check example: 王建国 of 钱王社区, card ending 0123.
VILLAGER = {"name": "王建国", "village": "钱王社区", "id": "33011219620315001" + pii.id_check_char("33011219620315001"),
            "card": "6217001234567890123"}


def _id(rng, year):
    first = f"330112{year}{rng.randrange(1, 13):02d}{rng.randrange(1, 28):02d}{rng.randrange(100, 999)}"
    return first + pii.id_check_char(first)


def _card(rng):
    return "6217" + "".join(str(rng.randrange(10)) for _ in range(15))


def load(users, made, rng):
    town = made["锦城街道"]
    villages = [r for r in made.values() if r.parent_id == town.id]
    lead, county = users["jincheng_lead"], users["linan_sup"]
    people = []
    for v_index, village in enumerate(villages):
        for i in range(14):
            name = SURNAMES[(i * 7 + v_index * 3) % len(SURNAMES)] + GIVEN[(i * 3 + v_index) % len(GIVEN)]
            person = {"name": name, "id": _id(rng, rng.randrange(1940, 2000)), "village": village.name,
                      "card": _card(rng), "phone": f"13{rng.randrange(100000000, 999999999)}",
                      "household": f"{village.code[-3:]}-{i // 2 + 1:02d}", "mu": Decimal(rng.randrange(20, 120)) / 10}
            if v_index == 0 and i == 0:
                person.update(name=VILLAGER["name"], id=VILLAGER["id"], card=VILLAGER["card"])
            people.append(person)
    shared = people[5]  # 代领: a card that also receives another household's money
    people[9]["card"] = shared["card"]
    _run("policies", made["临安区"], county, "临安区补贴政策清单.csv", POLICIES)
    _run("beneficiaries", town, lead, "锦城街道补贴对象花名册.csv", "\n".join(
        ["锦城街道2026年惠民补贴对象花名册", "序号,姓名,身份证号码,所属村（社区）,银行卡号,联系电话,户号"]
        + [f"{n + 1},{p['name']},{p['id']},{p['village']},{p['card']},{p['phone']},{p['household']}"
           for n, p in enumerate(people)]))
    rows, notice = [], []
    for n, p in enumerate(people):
        amount = (p["mu"] * 120).quantize(Decimal("0.01"))
        rows.append((p, "耕地地力保护补贴", "2026", p["mu"], amount, "已发放", "2026-04-15", ""))
        notice.append((p, "耕地地力保护补贴", "2026", p["mu"], amount))
        if n % 3 == 0:
            for month in range(1, 11):
                rows.append((p, "城乡居民基础养老金", f"2026-{month:02d}", 1, 230, "已发放", f"2026-{month:02d}-10", ""))
    planted = people
    rows.append((planted[1], "耕地地力保护补贴", "2026", planted[1]["mu"], (planted[1]["mu"] * 120).quantize(Decimal("0.01")),
                 "已发放", "2026-05-20", ""))  # 重复发放
    rows.append((planted[9], "残疾人两项补贴", "2026-06", 1, 150, "已发放", "2026-06-12", ""))  # 代领 (the shared card)
    rows.append((planted[5], "残疾人两项补贴", "2026-06", 1, 150, "已发放", "2026-06-12", ""))
    rows.append((planted[2], "残疾人两项补贴", "2026-07", 1, 450, "已发放", "2026-07-12", ""))  # 超标准
    rows.append((planted[4], "农村低保金", "2026-03", 1, 850, "已发放", "2026-03-08", ""))  # 互斥
    rows.append((planted[4], "特困人员供养金", "2026-03", 1, 1200, "已发放", "2026-03-08", ""))
    rows.append((planted[0], "残疾人两项补贴", "2026-09", 1, 150, "发放失败", "", "银行账户已冻结"))
    rows.append((planted[7], "残疾人两项补贴", "2026-09", 1, 150, "已退回", "", "户名与账户不符"))
    rows.append((planted[0], "残疾人两项补贴", "2026-10", 1, 150, "待发放", "", ""))
    notice[8] = (planted[8], "耕地地力保护补贴", "2026", planted[8]["mu"], notice[8][4] + 200)  # 公示与实发不符
    _run("disbursements", town, lead, "锦城街道2026年补贴发放明细.csv", "\n".join(
        ["姓名,身份证号,补贴项目,期间,数量,金额（元）,发放状态,发放日期,失败原因"]
        + [f"{p['name']},{p['id']},{policy},{period},{qty},{amount},{state},{day},{why}"
           for p, policy, period, qty, amount, state, day, why in rows]))
    _run("notices", town, lead, "锦城街道2026年耕地地力保护补贴公示.csv", "\n".join(
        ["姓名,身份证号,补贴项目,期间,面积（亩）,金额,公示日期"]
        + [f"{p['name']},{p['id']},{policy},{period},{qty},{amount},2026-04-01" for p, policy, period, qty, amount in notice]))
    from .bank import notice_rows  # November's pension, for the demo's bank cycle (backend/demo/bank.py)
    _run("notices", town, lead, "锦城街道2026年11月城乡居民基础养老金公示.csv", "\n".join(notice_rows(people)))
    dead = people[3]  # receives the pension every month: paid after death
    _run("deaths", town, lead, "死亡人员名单.csv", f"姓名,身份证号,死亡日期\n{dead['name']},{dead['id']},2026-06-15\n")
    clerk = people[6]
    _run("employees", town, lead, "财政供养人员名单.csv", f"姓名,身份证号,工作单位\n{clerk['name']},{clerk['id']},锦城街道社区卫生服务中心\n")

    for village in (r for r in made.values() if r.level == "village"):  # 一村一码 for every village
        services.village_code(village, county)
    _cases(people, lead)
    _comments(town, lead)
    return people


def _run(kind, region, user, filename, text):
    run = engine.run(kind, region, user, filename, text.encode("utf-8"))
    assert run.status == "accepted", (kind, run.errors[:3])


def _person(p):
    return db.session.execute(select(Beneficiary).where(
        Beneficiary.id_hash == pii.blind(p["id"], "id_number"))).scalar_one()


def person_id(p):
    """The beneficiary id of one of the demo's people (a dict as built by ``load``)."""
    return _person(p).id


def _cases(people, lead):
    """Two villagers checked by QR and pressed 没收到: one is answered, one waits."""
    from ..subsidies.models import Disbursement
    first = _person(people[0])
    failed = db.session.execute(select(Disbursement).where(Disbursement.beneficiary_id == first.id,
                                                           Disbursement.status == "failed")).scalar_one()
    services.open_case(first, "7d3c1a52-4c1e-4d8e-9a51-000000000001", "九月的残疾人补贴一直没到账", failed.id)
    other = _person(people[12])
    payment = db.session.execute(select(Disbursement).where(Disbursement.beneficiary_id == other.id)).scalars().first()
    case, _ = services.open_case(other, "7d3c1a52-4c1e-4d8e-9a51-000000000002", "耕地补贴没看到", payment.id)
    services.answer_case(case, lead, "经核实，该笔补贴已于4月15日发放至尾号为您登记的银行卡，请查询存折明细；如仍有疑问请到街道财政所。")


def _comments(town, lead):
    from ..core.models import Region
    projects = db.session.execute(select(Project).join(Region, Region.id == Project.region_id)
                                  .where(Region.path.startswith(town.path)).order_by(Project.id).limit(2)).scalars().all()
    if not projects:
        return
    first, _ = comments.leave(projects[0], "9b1e7c3a-2f4d-4a6b-8c1d-000000000001", "complaint",
                              "施工车辆每天早上六点就进场，噪音很大，希望调整作业时间。", "附近居民", "13812345678", "demo-1")
    comments.answer(first, lead, "已约谈施工单位，自本周起每天7:30后方可进场作业，感谢监督。")
    comments.leave(projects[-1], "9b1e7c3a-2f4d-4a6b-8c1d-000000000002", "comment",
                   "路面铺好后排水沟的盖板还没装，晚上走路不安全。", None, None, "demo-2")
