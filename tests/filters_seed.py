"""远筛县 (330185), this branch's own county under 杭州市: 130 townships (the 125th, 筛远端镇, past the
first 100 and past two pages of 50), 60 villages under the 125th, a county supervisor of its own
(t_filters_county), a unit and two projects (one in the 1st township, one in the 125th). For the
region filters, the label sheet's village choice and field coverage (tests/test_region_filters*.py).

``seed(app, world)`` is idempotent and returns {"county", "first", "far", "villages": [ids], "projects":
{"first", "far"}}; assertions stay on these rows."""
from decimal import Decimal

COUNTY = "330185000000"
TOWNSHIPS = 130
FAR = 125
FAR_NAME = "筛远端镇"
VILLAGES = 60
USER = "t_filters_county"
PROJECT_PREFIX = "远筛列表"


def township_name(n):
    return FAR_NAME if n == FAR else f"远筛{n:03d}镇"


def village_name(n):
    return f"筛远{n:02d}村"


def seed(app, world):
    from backend.core.auth import hash_password
    from backend.core.models import Region, User
    from backend.extensions import db
    from backend.projects import services as projects
    from backend.projects.models import Project
    from conftest import PASSWORD
    with app.app_context(), app.test_request_context(method="POST"):
        county = db.session.query(Region).filter_by(code=COUNTY).one_or_none()
        if county is None:
            city = db.session.get(Region, world["regions"]["hz"])
            county = Region(code=COUNTY, name="远筛县", level="county", parent_id=city.id, path=f"{city.path}{COUNTY}/")
            db.session.add(county)
            db.session.flush()
            townships = {}
            for n in range(1, TOWNSHIPS + 1):
                code = f"330185{n:03d}000"
                townships[n] = Region(code=code, name=township_name(n), level="township", parent_id=county.id,
                                      path=f"{county.path}{code}/")
                db.session.add(townships[n])
            db.session.flush()
            far = townships[FAR]
            for n in range(1, VILLAGES + 1):
                code = f"330185{FAR:03d}{200 + n:03d}"
                db.session.add(Region(code=code, name=village_name(n), level="village", parent_id=far.id,
                                      path=f"{far.path}{code}/"))
            user = User(username=USER, display_name="远筛县监管", role="county",
                        password_hash=hash_password(PASSWORD), region_id=county.id)
            db.session.add(user)
            db.session.flush()
            unit = projects.create_unit(user, county.id, "远筛县农业农村局", "县级部门")
            for key, township in (("first", townships[1]), ("far", far)):
                projects.create_project(user, {
                    "region_id": township.id, "unit_id": unit.id, "name": f"{PROJECT_PREFIX}{township.name}道路",
                    "category": "道路交通", "budget": Decimal("500000.00"), "funding_sources": [], "lat": 30.2, "lng": 119.7,
                    "site_address": township.name})
            db.session.commit()
        ids = {r.code: r.id for r in db.session.query(Region).filter(Region.code.startswith("330185"))}
        found = {p.name: p.id for p in db.session.query(Project).filter(Project.name.startswith(PROJECT_PREFIX))}
    return {"county": ids[COUNTY], "first": ids["330185001000"], "far": ids[f"330185{FAR:03d}000"],
            "villages": [ids[f"330185{FAR:03d}{200 + n:03d}"] for n in range(1, VILLAGES + 1)],
            "projects": {"first": found[f"{PROJECT_PREFIX}{township_name(1)}道路"],
                         "far": found[f"{PROJECT_PREFIX}{FAR_NAME}道路"]}}
