"""A small, known set of subsidy data for 钱王社区 (under 锦城街道), imported through the real
importer from CSV text the way a clerk would: policies, beneficiaries, payments, the public notice.

``seed(app, world)`` is idempotent (importing the same files again changes nothing) and returns
the people: {key: {"name", "id_number", "card", "phone"}}.
"""
from backend.core import pii

PEOPLE = {
    # key: (name, birth year/seq, card, phone)
    "wang": ("王建国", "1962", "6217001234567890123", "13800001111"),
    "li": ("李秀英", "1958", "6217009876543210987", "13900002222"),
    "zhao": ("赵小明", "1990", "6228481234567890", None),
}


def id_number(seed, seq="001"):
    first = f"330112{seed}0315{seq}"
    return first + pii.id_check_char(first)


def people():
    return {key: {"name": name, "id_number": id_number(year, f"{i + 11:03d}"), "card": card, "phone": phone}
            for i, (key, (name, year, card, phone)) in enumerate(PEOPLE.items())}


POLICIES = """补贴政策清单（2026年度）
政策名称,类别,补贴标准,单位,年度,政策依据,主管部门,不享受对象,互斥政策
耕地地力保护补贴,种粮补贴,120,元/亩,2026,浙财农〔2026〕12号,区农业农村局,财政供养人员,
城乡居民基础养老金,社会保障,230,元/人·月,2026,浙政发〔2026〕3号,区人力社保局,,
困难群众临时救助,社会救助,1000,元/人·次,2026,临民〔2026〕8号,区民政局,,
"""


def seed(app, world):
    from backend.core.models import Region, User
    from backend.extensions import db
    from backend.imports import engine
    from backend.subsidies import importer
    ps = people()
    lines = ["序号,姓名,身份证号码,村,银行卡号,联系电话"] + [
        f"{i + 1},{p['name']},{p['id_number']},钱王社区,{p['card']},{p['phone'] or ''}" for i, p in enumerate(ps.values())]
    w, l, z = ps["wang"], ps["li"], ps["zhao"]
    payments = "\n".join([
        "姓名,身份证号,补贴项目,期间,面积,金额,状态,发放日期,失败原因",
        f"{w['name']},{w['id_number']},耕地地力保护补贴,2026-03,8.5,1020,已发放,2026-03-20,",
        f"{l['name']},{l['id_number']},城乡居民基础养老金,2026-03,1,230,已发放,2026-03-10,",
        f"{l['name']},{l['id_number']},城乡居民基础养老金,2026-04,1,230,发放失败,,账户已销户",
        f"{z['name']},{z['id_number']},耕地地力保护补贴,2026-03,5,600,待发放,,",
    ])
    notice = "\n".join([
        "姓名,身份证号,补贴项目,期间,面积,金额,公示日期",
        f"{w['name']},{w['id_number']},耕地地力保护补贴,2026-03,8.5,1020,2026-03-01",
        f"{l['name']},{l['id_number']},城乡居民基础养老金,2026-03,1,230,2026-03-01",
        f"{z['name']},{z['id_number']},耕地地力保护补贴,2026-03,5,600,2026-03-01",
    ])
    with app.app_context(), app.test_request_context(method="POST"):
        lead = db.session.get(User, world["users"]["lead"])
        county = db.session.get(User, world["users"]["county"])
        township = db.session.get(Region, world["regions"]["jincheng"])
        linan = db.session.get(Region, world["regions"]["linan"])
        for kind, region, who, text in (("policies", linan, county, POLICIES),
                                        ("beneficiaries", township, lead, "\n".join(lines)),
                                        ("disbursements", township, lead, payments),
                                        ("notices", township, lead, notice)):
            run = engine.run(kind, region, who, f"{kind}.csv", text.encode("utf-8"))
            assert run.status == "accepted", (kind, run.errors)
        db.session.commit()
    return ps


def village_code(app, world):
    """The 钱王社区 一村一码 code (issued on first use)."""
    from backend.core.models import Region
    from backend.extensions import db
    from backend.subsidies import services
    with app.app_context(), app.test_request_context(method="POST"):
        code = services.village_code(db.session.get(Region, world["regions"]["qianwang"])).code
        db.session.commit()
    return code
