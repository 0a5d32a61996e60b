"""Synthetic subsidy data for the subsidy benchmarks (``subsidy_import.py``, ``subsidy_rules.py``).

Everything is deterministic (person ``p`` always has the same name, ID number, card, village and
payments), and everything reaches the database through the real importer, as CSV files a clerk
would upload: one township (基准镇) with 20 villages, its lead, a policy list, the beneficiaries,
the death and public-employee lists, the payments, and one month's public notice.

Payments per person (about 5 on average, so rows ≈ 5 × people): the basic pension monthly
(2026-01 … 2026-10) for 3 in 10, the farmland subsidy (2026, by area) for 3 in 4, the minimum
living allowance (低保) monthly for 1 in 10, the support for the destitute (特困) monthly for 1 in
50, the forest compensation (by area) for 1 in 4, temporary relief for 1 in 10. About 2 % of the
payments failed (no date, a reason) and 1 % are pending. Planted for the rules (a few % in all):

* subsidy_duplicate: 1 in 97 pensioners paid twice for 2026-03 (a second row five days later);
* subsidy_over_standard: 1 in 53 farmland payments at 1.5 × standard × area;
* subsidy_proxy_card: for 1 in 199 people, two people of other households are paid on their card;
* subsidy_after_death: 1 in 400 people (pensioners) died on 2026-05-01 and were paid on;
* subsidy_public_employee: 1 in 300 people are public employees (many get the farmland subsidy,
  which excludes them);
* subsidy_exclusive: 1 in 250 people get 低保 and 特困 (mutually exclusive) for three months;
* subsidy_notice_mismatch: the 2026-10 pension notice shows 260 instead of 230 for 1 in 100;
* subsidy_not_received: 20 open "没收到" cases (inserted directly; villagers create them).
"""
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
sys.path.insert(0, str(ROOT))

VILLAGES = 20
COUNTY_PATH = "/330000000000/330100000000/330112000000/"
TOWN_CODE = "330112001000"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国红玉春梅福海林德胜文"
POLICIES = [
    # name, category, standard, unit, excluded, exclusive with
    ("城乡居民基础养老金", "社会保障", "230", "元/人·月", "", ""),
    ("耕地地力保护补贴", "种粮补贴", "120", "元/亩", "财政供养人员", ""),
    ("最低生活保障金", "社会救助", "800", "元/人·月", "", "特困人员救助供养金"),
    ("特困人员救助供养金", "社会救助", "1100", "元/人·月", "", "最低生活保障金"),
    ("生态公益林补偿", "生态补偿", "31", "元/亩", "", ""),
    ("困难群众临时救助", "社会救助", "1000", "元/人·次", "", ""),
]
DISBURSEMENT_HEADER = "序号,姓名,身份证号,银行卡号,补贴项目,期间,面积,金额,状态,发放日期,备注"


# ---------------------------------------------------------------------------------------------
# Databases
# ---------------------------------------------------------------------------------------------

from risk_scan import migrate, reset_postgres, sqlalchemy_url  # noqa: E402,F401  (the same database steps, for the scripts)


def make_app(url, storage_dir):
    from backend import create_app
    return create_app({"SQLALCHEMY_DATABASE_URI": sqlalchemy_url(url), "STORAGE_DIR": storage_dir, "QUEUE_URL": "memory://"})  # nothing queued for another database


# ---------------------------------------------------------------------------------------------
# People and files
# ---------------------------------------------------------------------------------------------

def _h(p, salt):
    """A deterministic pseudo-random integer for person ``p``."""
    return (p * 2654435761 + salt * 40503) % 2147483647


def id_number(p):
    from backend.core.pii import id_check_char
    born = date(1940, 1, 1) + timedelta(days=p % 20000)
    first = f"330112{born:%Y%m%d}{p // 20000 % 1000:03d}"
    return first + id_check_char(first)


def name(p):
    return SURNAMES[p % len(SURNAMES)] + GIVEN[_h(p, 1) % len(GIVEN)] + (GIVEN[_h(p, 2) % len(GIVEN)] if p % 3 else "")


def card(p):
    return f"6217{330112 + p % 7:06d}{p:09d}"


def village(p):
    return f"基准镇第{1 + p // 3 % VILLAGES:02d}村"


def household(p):
    return f"H{p // 3:07d}"  # three people a household, all in one village


def policies_csv():
    lines = ["补贴政策清单（2026年度）", "政策名称,类别,补贴标准,单位,年度,政策依据,主管部门,不享受对象,互斥政策"]
    lines += [f"{n},{c},{s},{u},2026,基财〔2026〕1号,基准县财政局,{x},{e}" for n, c, s, u, x, e in POLICIES]
    return "\n".join(lines) + "\n"


def beneficiaries_csv(people):
    lines = ["序号,姓名,身份证号码,村,银行卡号,联系电话,户号"]
    lines += [f"{p + 1},{name(p)},{id_number(p)},{village(p)},{card(p)},13{8 + p % 2}{p:08d},{household(p)}"
              for p in range(people)]
    return "\n".join(lines) + "\n"


def dead(p):
    return p % 400 == 1


def deaths_csv(people):
    return "\n".join(["姓名,身份证号,死亡日期"] + [f"{name(p)},{id_number(p)},2026-05-01"
                                                  for p in range(people) if dead(p)]) + "\n"


def employees_csv(people):
    return "\n".join(["姓名,身份证号,工作单位"] + [f"{name(p)},{id_number(p)},基准镇人民政府"
                                                  for p in range(people) if p % 300 == 2]) + "\n"


def notice_csv(people):
    """The 2026-10 pension notice: every pensioner, 1 in 100 shown at 260 instead of 230."""
    lines = ["姓名,身份证号,补贴项目,期间,面积,金额,公示日期"]
    lines += [f"{name(p)},{id_number(p)},城乡居民基础养老金,2026-10,,{260 if p % 100 == 21 else 230},2026-10-05"
              for p in range(people) if p % 10 < 3]
    return "\n".join(lines) + "\n"


def _payments(p):
    """(policy, period, quantity, amount, paid day or None, status, reason, card) of person ``p``."""
    mine = card(p)
    if p % 199 in (3, 6):  # 代领: paid on the card of person p - p % 199, another household
        mine = card(p - p % 199)
    area = 1 + _h(p, 3) % 150 / 10  # 1.0 … 15.9 mu

    def state(seq, day):
        roll = _h(p, 10 + seq) % 100
        if roll < 2:
            return None, "发放失败", "账户已销户" if roll == 0 else "户名与账号不符"
        if roll < 3:
            return None, "待发放", ""
        return day, "已发放", ""

    if p % 10 < 3:
        for m in range(1, 11):
            day, status, reason = state(m, date(2026, m, 10 + p % 15))
            yield "城乡居民基础养老金", f"2026-{m:02d}", "", "230.00", day, status, reason, mine
            if m == 3 and p % 97 == 3 and day:
                yield "城乡居民基础养老金", "2026-03", "", "230.00", day + timedelta(days=5), status, reason, mine
    if p % 4:
        amount = 120 * area * (1.5 if p % 53 == 0 else 1)
        day, status, reason = state(20, date(2026, 4, 1 + p % 28))
        yield "耕地地力保护补贴", "2026", f"{area:.1f}", f"{amount:.2f}", day, status, reason, mine
    if p % 10 == 5:
        for m in range(1, 11):
            day, status, reason = state(30 + m, date(2026, m, 5 + p % 20))
            yield "最低生活保障金", f"2026-{m:02d}", "", f"{300 + _h(p, 4) % 50 * 10}.00", day, status, reason, mine
    if p % 50 == 6 or p % 250 == 5:
        for m in (range(1, 11) if p % 50 == 6 else range(4, 7)):
            day, status, reason = state(50 + m, date(2026, m, 8 + p % 15))
            yield "特困人员救助供养金", f"2026-{m:02d}", "", "1100.00", day, status, reason, mine
    if p % 4 == 1:
        forest = 2 + _h(p, 5) % 300 / 10
        day, status, reason = state(70, date(2026, 6, 1 + p % 28))
        yield "生态公益林补偿", "2026", f"{forest:.1f}", f"{31 * forest:.2f}", day, status, reason, mine
    if p % 10 == 7:
        day, status, reason = state(80, date(2026, 1 + p % 10, 3 + p % 25))
        yield "困难群众临时救助", "2026", "", f"{500 + _h(p, 6) % 6 * 100}.00", day, status, reason, mine


def disbursements_csv(people, rows):
    """The payments file: persons in order, each with their payments, until ``rows`` lines."""
    lines = [DISBURSEMENT_HEADER]
    n = 0
    for p in range(people):
        who, ident = name(p), id_number(p)
        for policy, period, quantity, amount, day, status, reason, bank in _payments(p):
            n += 1
            lines.append(f"{n},{who},{ident},{bank},{policy},{period},{quantity},{amount},{status},"
                         f"{day.isoformat() if day else ''},{reason}")
            if n == rows:
                return "\n".join(lines) + "\n"
    raise ValueError(f"{people:,} people make only {n:,} payment rows; ask for fewer rows or more people")


# ---------------------------------------------------------------------------------------------
# The township, its lead, and the reference files
# ---------------------------------------------------------------------------------------------

def create_world():
    """Province, city, county, township, villages and the township's lead; (township, lead)."""
    from backend.core.models import Region, User
    from backend.extensions import db
    province = Region(code="330000000000", name="浙江省", level="province", path="/330000000000/")
    city = Region(code="330100000000", name="杭州市", level="city", parent=province, path="/330000000000/330100000000/")
    county = Region(code="330112000000", name="基准县", level="county", parent=city, path=COUNTY_PATH)
    town = Region(code=TOWN_CODE, name="基准镇", level="township", parent=county, path=f"{COUNTY_PATH}{TOWN_CODE}/")
    db.session.add_all([province, city, county, town])
    for v in range(1, VILLAGES + 1):
        code = f"330112001{200 + v:03d}"
        db.session.add(Region(code=code, name=f"基准镇第{v:02d}村", level="village", parent=town,
                              path=f"{town.path}{code}/"))
    lead = User(username="bench_lead", display_name="基准镇负责人", password_hash="bench-not-a-hash",
                role="township_lead", region=town, active=True)
    db.session.add(lead)
    db.session.commit()
    return town, lead


def load(kind, town, lead, text):
    """One file through ``engine.run`` + commit; exits if the importer rejects it."""
    from backend.extensions import db
    from backend.imports import engine
    from backend.subsidies import importer
    t0 = time.perf_counter()
    run = engine.run(kind, town, lead, f"{kind}.csv", text.encode("utf-8"))
    db.session.commit()
    seconds = time.perf_counter() - t0
    if run.status != "accepted":
        sys.exit(f"{kind} rejected: {run.error_count} errors, first: {run.errors[:3]}")
    return seconds, run


def load_parts(kind, town, lead, text, part_rows=400_000):
    """A file of any length as files of ``part_rows`` rows (one sheet holds at most 600,000), each
    through ``load``; (seconds, rows) in all."""
    lines = text.splitlines()
    header, body = lines[0], lines[1:]
    seconds = rows = 0
    for start in range(0, max(len(body), 1), part_rows):
        spent, run = load(kind, town, lead, "\n".join([header, *body[start:start + part_rows]]) + "\n")
        seconds, rows = seconds + spent, rows + run.rows
    return seconds, rows


def prepare(people):
    """Policies, beneficiaries, death and employee lists (call inside an app and request context)."""
    town, lead = create_world()
    for kind, text in (("policies", policies_csv()), ("beneficiaries", beneficiaries_csv(people)),
                       ("deaths", deaths_csv(people)), ("employees", employees_csv(people))):
        seconds, rows = load_parts(kind, town, lead, text)
        print(f"  {kind:<16}{rows:>9,} rows  {seconds:7.1f} s (engine.run + commit)")
    return town, lead


def finish(town, lead, people):
    """After the payments: the public notice and 20 open 没收到 cases (for the rules)."""
    from sqlalchemy import select

    from backend.extensions import db
    from backend.subsidies.models import Disbursement, SubsidyCase
    seconds, rows = load_parts("notices", town, lead, notice_csv(people))
    print(f"  {'notices':<16}{rows:>9,} rows  {seconds:7.1f} s (engine.run + commit)")
    picked = db.session.execute(select(Disbursement).where(Disbursement.status == "failed")
                                .order_by(Disbursement.id).limit(20)).scalars().all()
    for i, d in enumerate(picked):
        db.session.add(SubsidyCase(client_uuid=f"00000000-0000-4000-8000-{i:012d}", region_id=d.region_id,
                                   beneficiary_id=d.beneficiary_id, disbursement_id=d.id, policy_id=d.policy_id,
                                   period=d.period, note="没收到", status="open"))
    db.session.commit()
