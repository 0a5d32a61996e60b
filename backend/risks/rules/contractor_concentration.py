"""One contractor holding an unusual share of a township's projects."""
from sqlalchemy import func, select

from ...core.models import Region
from ...extensions import db
from ...projects.models import Project
from . import Hit

CODE = "contractor_concentration"
NAME_ZH, NAME_EN = "承建单位集中", "Contractor concentration"
LEVEL = "yellow"
DESCRIPTION_ZH = "同一承建单位承接了本乡镇异常高比例的项目：可能存在围标、串标或利益输送。"
DESCRIPTION_EN = ("One contractor holds an unusually large share of the township's projects: possible bid "
                  "rigging or favouritism.")
THRESHOLDS = ("RISK_CONTRACTOR_SHARE", "RISK_CONTRACTOR_MIN_PROJECTS", "RISK_CONTRACTOR_MIN_TOWNSHIP")
LABELS = {"township": ("乡镇", "Township"), "contractor": ("承建单位", "Contractor"),
          "projects": ("承接项目数", "Projects held"), "township_projects": ("乡镇项目数", "Township projects"),
          "share": ("占比", "Share")}
VOLATILE = ()
# A project's township is the 4th code on its region's path: /province/city/county/township/…
TOWNSHIP_CODE_AT = 1 + 3 * 13 + 1


def find(ctx):
    township = func.substr(Region.path, TOWNSHIP_CODE_AT, 12).label("township")
    held = (select(township, Project.contractor, func.count().label("n"))
            .join(Region, Region.id == Project.region_id)
            .where(Project.contractor.is_not(None), func.length(Region.path) >= TOWNSHIP_CODE_AT + 12)
            .group_by(township, Project.contractor).cte("held"))  # a CTE: computed once, read twice
    totals = select(held.c.township, func.sum(held.c.n).label("total")).group_by(held.c.township).cte("totals")
    town = Region.__table__.alias("town")
    rows = db.session.execute(
        select(town.c.id, town.c.name, held.c.contractor, held.c.n, totals.c.total)
        .join(totals, totals.c.township == held.c.township)
        .join(town, town.c.code == held.c.township)
        .where(*ctx.scope(region=town.c.id),
               held.c.n >= ctx.config["RISK_CONTRACTOR_MIN_PROJECTS"],
               totals.c.total >= ctx.config["RISK_CONTRACTOR_MIN_TOWNSHIP"],
               held.c.n > totals.c.total * ctx.config["RISK_CONTRACTOR_SHARE"]))
    for town_id, town_name, contractor, n, total in rows:
        yield Hit(f"contractor:{town_id}:{contractor}"[:200], "contractor", town_id, None, {
            "township": town_name, "contractor": contractor, "projects": int(n),
            "township_projects": int(total), "share": f"{int(n) / int(total):.0%}"})


def explain(e):
    return (f"{e['contractor']} 承接了{e['township']} {e['township_projects']} 个项目中的 {e['projects']} 个（{e['share']}）",
            f"{e['contractor']} holds {e['projects']} of {e['township_projects']} projects in {e['township']} ({e['share']})")
