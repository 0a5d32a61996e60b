"""The official division table (统计用区划代码): a county loaded under an existing city, CSV (UTF-8
and GBK) or Excel, in the shapes the table comes in; next year's table renames, adds, merges and
abolishes, keeping history and every old record's village."""
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from backend.core.models import Region, User
from backend.extensions import db
from backend.regions import services
from backend.core.models import RegionChange
from conftest import TODAY


def _csv(lines, encoding="utf-8"):
    return ("\n".join(",".join(cells) for cells in lines) + "\n").encode(encoding)


def _xlsx(lines, title=None):
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    for cells in lines:
        sheet.append(list(cells))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def county_table(c, year=1):
    """The NBS shape: 统计用区划代码, 城乡分类代码 (villages only), 名称 — for a county ``c`` (6 digits)
    under 杭州. Year 2: 甲社区 renamed, 乙村 merged into 丙村 (变更说明), 丁村 gone, 戊村 new."""
    rows = [("统计用区划代码", "城乡分类代码", "名称", "变更说明"),
            ("330000000000", "", "浙江省", ""), ("330100000000", "", "杭州市", ""),
            (f"{c}000000", "", "测试县", ""), (f"{c}100000", "", "一号镇", ""),
            (f"{c}100001", "111", "甲社区" if year == 1 else "甲新社区", ""),
            (f"{c}100201", "220", "乙村", "" if year == 1 else f"2026年并入{c}100202丙村"),
            (f"{c}100202", "220", "丙村", "")]
    rows += [(f"{c}100203", "220", "丁村", "")] if year == 1 else [(f"{c}100204", "220", "戊村", "")]
    return rows


def load(data, filename="table.csv", within=None, actor=None, year=None):
    report, counts, loader = services.load_table(filename, data, within, actor, year=year)
    return report, counts


def region(code):
    return db.session.execute(select(Region).where(Region.code == code)).scalar_one_or_none()


@pytest.mark.parametrize("fmt", ["csv", "gbk", "xlsx"])
def test_a_county_loads_under_its_city_from_csv_gbk_and_excel(ctx, world, fmt):
    c = {"csv": "330127", "gbk": "330128", "xlsx": "330129"}[fmt]
    lines = county_table(c)
    data = {"csv": lambda: _csv(lines), "gbk": lambda: _csv(lines, "gbk"),
            "xlsx": lambda: _xlsx(lines, "2025年统计用区划代码和城乡划分代码")}[fmt]()
    report, counts = load(data, f"table.{'xlsx' if fmt == 'xlsx' else 'csv'}")
    assert report.errors == [] and counts == [6, 0, 2]  # 浙江, 杭州 already there
    county, town, village = region(f"{c}000000"), region(f"{c}100000"), region(f"{c}100201")
    assert county.level == "county" and county.parent_id == world["regions"]["hz"]
    assert town.level == "township" and town.parent_id == county.id
    assert village.level == "village" and village.parent_id == town.id and village.name == "乙村"
    assert village.path == f"/330000000000/330100000000/{c}000000/{c}100000/{c}100201/"
    assert village.status == "active" and village.valid_from == TODAY
    # The same table again changes nothing.
    assert load(data, f"table.{'xlsx' if fmt == 'xlsx' else 'csv'}")[1] == [0, 0, 8]


def test_a_level_column_or_a_parent_column_or_the_code_alone(ctx, world):
    by_level = [("区划代码", "名称", "级别"), ("330130000000", "层级县", "县"), ("330130100000", "层级镇", "乡"),
                ("330130100201", "层级村", "5")]
    assert load(_csv(by_level))[1] == [3, 0, 0]
    by_parent = [("代码", "名称", "上级代码"), ("330131000000", "父级县", "330100000000"),
                 ("330131100000", "父级镇", "330131000000"), ("330131100201", "父级村", "330131100000")]
    assert load(_csv(by_parent))[1] == [3, 0, 0]
    assert region("330131100201").level == "village"
    bare = [("code", "name"), ("330132", "六位县"), ("330132100", "九位镇"), ("330132100201", "裸码村")]
    assert load(_csv(bare))[1] == [3, 0, 0]
    assert region("330132000000").level == "county" and region("330132100000").level == "township"


def test_a_province_and_city_are_created_with_the_county(ctx, world):
    rows = [("统计用区划代码", "名称"), ("350000000000", "福建省"), ("350100000000", "福州市"),
            ("350102000000", "鼓楼区"), ("350102001000", "鼓东街道"), ("350102001001", "三坊七巷社区")]
    assert load(_csv(rows))[1] == [5, 0, 0]
    assert region("350102001001").path.startswith("/350000000000/350100000000/")


def test_next_years_table_renames_adds_merges_and_abolishes_keeping_history(ctx, world):
    from backend.projects import services as projects
    c = "330133"
    admin = db.session.get(User, world["users"]["admin"])
    assert load(_csv(county_table(c)), actor=admin)[1] == [6, 0, 2]
    ding = region(f"{c}100203")
    unit = projects.create_unit(admin, region(f"{c}100000").id, "一号镇财政所", "乡镇财政所")
    project = projects.create_project(admin, {
        "region_id": ding.id, "unit_id": unit.id, "name": "丁村道路", "category": "道路交通",
        "budget": Decimal("50000.00"), "funding_sources": [], "planned_start_on": TODAY - timedelta(days=30),
        "planned_end_on": TODAY + timedelta(days=30)})

    report, counts = load(_csv(county_table(c, year=2)), actor=admin, year=2026)
    assert report.errors == []
    assert counts == [1, 3, 5]  # 戊村 added; 甲 renamed, 乙 merged, 丁 abolished; 浙江 杭州 县 镇 丙 unchanged
    jia, yi, bing = region(f"{c}100001"), region(f"{c}100201"), region(f"{c}100202")
    assert jia.name == "甲新社区" and jia.status == "active"
    assert yi.status == "abolished" and yi.successor_id == bing.id and yi.valid_until == TODAY
    ding = region(f"{c}100203")
    assert ding.status == "abolished" and ding.successor_id is None and ding.valid_until == TODAY
    changes = {(ch.region.code, ch.kind, ch.old_name, ch.new_name, ch.year) for ch in db.session.execute(
        select(RegionChange).where(RegionChange.region_id.in_([jia.id, yi.id, ding.id]),
                                   RegionChange.kind != "add")).scalars()}
    assert changes == {(f"{c}100001", "rename", "甲社区", "甲新社区", 2026),
                       (f"{c}100201", "merge", "乙村", "丙村", 2026), (f"{c}100203", "abolish", "丁村", None, 2026)}
    # The project still points at 丁村 and still names it; new projects there are refused.
    from backend.projects.models import Project
    assert db.session.get(Project, project.id).region.name == "丁村"
    with pytest.raises(Exception) as refused:
        projects.create_project(admin, {"region_id": ding.id, "unit_id": unit.id, "name": "新项目",
                                        "category": "道路交通", "budget": Decimal("1.00"), "funding_sources": []})
    assert getattr(refused.value, "code", None) == "region_abolished"
    # Again: nothing changes and no history is added.
    before = db.session.scalar(select(db.func.count()).select_from(RegionChange))
    assert load(_csv(county_table(c, year=2)), actor=admin, year=2026)[1] == [0, 0, 8]
    assert db.session.scalar(select(db.func.count()).select_from(RegionChange)) == before
    # 丁村 back in a later table: restored.
    assert load(_csv(county_table(c, year=2) + [(f"{c}100203", "220", "丁村", "")]), actor=admin)[1] == [0, 1, 8]
    assert region(f"{c}100203").status == "active" and region(f"{c}100203").valid_until is None


def test_the_regions_list_hides_abolished_villages_unless_asked(app, world, login_as):
    c = "330134"
    with app.app_context(), app.test_request_context(method="POST"):
        load(_csv(county_table(c)))
        load(_csv(county_table(c, year=2)))
        db.session.commit()
        town = region(f"{c}100000").id
    admin = login_as("admin")
    names = [r["name"] for r in admin.get(f"/api/v1/regions?parent_id={town}").json["items"]]
    assert names == ["甲新社区", "丙村", "戊村"]
    every = admin.get(f"/api/v1/regions?parent_id={town}&status=all").json["items"]
    merged = next(r for r in every if r["name"] == "乙村")
    assert merged["status"] == "abolished" and merged["successor"]["name"] == "丙村"
    detail = admin.get(f"/api/v1/regions/{merged['id']}").json
    assert [ch["kind"] for ch in detail["changes"]] == ["merge", "add"]
    renamed = next(r for r in every if r["name"] == "甲新社区")
    history = admin.get(f"/api/v1/regions/{renamed['id']}").json["changes"]
    assert history[0]["kind"] == "rename" and history[0]["old_name"] == "甲社区"


@pytest.mark.parametrize("lines,code,field", [
    ([("代码", "名称"), ("33013", "短码县")], "code_malformed", "code"),
    ([("代码", "名称"), ("330135000000", "")], "required", "name"),
    ([("代码", "名称"), ("330135000000", "县"), ("330135000000", "县二")], "duplicate_code", "code"),
    ([("代码", "名称"), ("330135100000", "无县之镇")], "parent_missing", "parent_code"),
    ([("代码", "名称", "级别"), ("330135000000", "县", "大")], "level_unknown", "level"),
    ([("代码", "名称", "并入"), ("330135000000", "县", ""), ("330135100000", "镇", "330135200000")],
     "successor_missing", "successor"),
    ([("代码", "名称", "上级代码"), ("330135000000", "县", "330112103201")], "parent_is_village", "parent_code"),
    ([("代码", "名称"), ("330112000000", "临安县")], "level_changed", None),  # placeholder, replaced below
])
def test_a_bad_table_is_refused_whole_with_the_row_named(ctx, world, lines, code, field):
    if code == "level_changed":
        lines = [("代码", "名称", "级别"), ("330112006001", "钱王社区", "乡")]
        field = "level"
    before = db.session.scalar(select(db.func.count()).select_from(Region))
    report, counts = load(_csv(lines))
    assert counts is None
    assert code in [e["code"] for e in report.errors], report.errors
    assert any(e["field"] == field and e["row"] for e in report.errors if e["code"] == code)
    if code == "duplicate_code":  # the value that repeats, and where it was first
        assert report.errors[0]["message"] == {"zh": "区划代码“330135000000”与第 2 行重复",
                                               "en": "The code '330135000000' repeats row 2"}
    assert db.session.scalar(select(db.func.count()).select_from(Region)) == before


def test_an_importer_below_the_province_cannot_touch_another_county(ctx, world):
    county = db.session.get(User, world["users"]["county"])  # 临安
    report, counts = load(_csv(county_table("330136")), within=county.region, actor=county)
    assert counts is None and {e["code"] for e in report.errors} == {"out_of_scope"}
    # Its own county: the province and city rows above it are accepted as they stand.
    rows = [("统计用区划代码", "名称"), ("330000000000", "浙江省"), ("330100000000", "杭州市"),
            ("330112000000", "临安区"), ("330112006000", "锦城街道"), ("330112006001", "钱王社区")]
    report, counts = load(_csv(rows), within=county.region, actor=county)
    assert report.errors == []
    renamed = [("统计用区划代码", "名称"), ("330100000000", "杭州市（改）")]
    assert {e["code"] for e in load(_csv(renamed), within=county.region)[0].errors} == {"out_of_scope"}


def test_a_new_county_goes_in_whole_with_its_history_and_the_ids_run_on(ctx, world):
    """A table of new regions is written in one go (ids drawn up front, paths made from the parents'
    codes): each under its parent, each with its "add" in the history, and a division added by hand
    afterwards takes the next id."""
    admin = db.session.get(User, world["users"]["admin"])
    c = "330139"  # (330137 is test_admin_browser's county)
    rows = [("统计用区划代码", "名称", "变更说明"), (f"{c}000000", "批量县", ""), (f"{c}100000", "批量一镇", ""),
            (f"{c}200000", "批量二镇", "")]
    rows += [(f"{c}{t}00{v:03d}", f"批量{t}镇{v}村", "新设" if v == 1 else "") for t in (1, 2) for v in range(1, 31)]
    report, counts = load(_csv(rows), actor=admin, year=2026)
    assert report.errors == [] and counts == [63, 0, 0]
    written = {r.code: r for r in db.session.execute(select(Region).where(Region.code.like(f"{c}%"))).scalars()}
    assert len(written) == 63 and len({r.id for r in written.values()}) == 63
    county = written[f"{c}000000"]
    assert county.parent_id == world["regions"]["hz"] and county.batch_id is None
    village = written[f"{c}200030"]
    assert village.parent_id == written[f"{c}200000"].id and village.level == "village"
    assert village.path == f"{county.path}{c}200000/{c}200030/" and village.valid_from == TODAY
    adds = db.session.execute(select(RegionChange).where(RegionChange.region_id.in_([r.id for r in written.values()]))).scalars().all()
    assert len(adds) == 63 and {(a.kind, a.actor_id, a.year, a.effective_on) for a in adds} == {("add", admin.id, 2026, TODAY)}
    assert {a.region_id: a.note for a in adds if a.note} == {written[f"{c}{t}00001"].id: "新设" for t in (1, 2)}
    assert {a.new_name for a in adds} == {r.name for r in written.values()}
    assert all(a.at is not None for a in adds)
    by_hand = services.create_region(admin, f"{c}200031", "手工村", written[f"{c}200000"].id)
    assert by_hand.id > max(r.id for r in written.values())
    change = db.session.execute(select(RegionChange).where(RegionChange.region_id == by_hand.id)).scalar_one()
    assert change.id > max(a.id for a in adds)
    # The same table again: nothing added or changed, but the village added by hand is not in the
    # county's table, so it is gone from it (the one update); the table's own villages all stay.
    assert load(_csv(rows), actor=admin, year=2026)[1] == [0, 1, 63]
    assert region(f"{c}200031").status == "abolished" and region(f"{c}200030").status == "active"
