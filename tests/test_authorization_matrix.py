"""Every endpoint × every role × own region / sibling region / anonymous.

The target objects live in 锦城街道 (under 临安区, 杭州市). "Sibling" users hold the same role in a
neighbouring region (太湖源镇, 桐庐县, 宁波市) that does not cover 锦城. A route added without a row
here fails ``test_matrix_covers_every_route``.
"""
import itertools
from datetime import date, timedelta
from dataclasses import dataclass, field

import pytest

from conftest import code_of, jpeg_bytes, new_uuid, photo_form
from subsidy_seed import people


def submit_evidence(app, world, rect_id):
    """Evidence handed in by the responsible inspector; returns its client UUID."""
    from backend.core.models import User
    from backend.extensions import db
    from backend.rectifications import services
    from backend.rectifications.models import Rectification
    key = new_uuid()
    with app.app_context(), app.test_request_context(method="POST"):
        services.submit(db.session.get(Rectification, rect_id), db.session.get(User, world["users"]["inspector"]),
                        key, "已整改")
        db.session.commit()
    return key


def inspection_id(app, client_uuid):
    from backend.inspections.services import by_uuid
    with app.app_context():
        return by_uuid(client_uuid).id

ROLE = {"admin": "admin", "province": "province", "city": "city", "city_sibling": "city",
        "county": "county", "county_sibling": "county", "lead": "township_lead",
        "lead_sibling": "township_lead", "inspector": "inspector", "inspector_sibling": "inspector"}
SIBLINGS = {"city_sibling", "county_sibling", "lead_sibling", "inspector_sibling"}
ACTORS = [None, *ROLE]


@dataclass
class Endpoint:
    method: str
    rule: str            # the Flask rule, to check coverage
    url: callable        # (ids) -> url
    ok: int
    roles: tuple = ()    # empty: any signed-in user
    anon: int = 401
    scoped: bool = True  # sibling users get `sibling`
    sibling: int = 403
    body: callable = None
    form: callable = None  # multipart body
    needs: dict = field(default_factory=dict)  # {"project": stage, "inspection": True, "photo": True}
    only: tuple = ()  # if set: of the permitted actors only these succeed, the others get 403
    visitor: bool = False  # a fresh client address each time (public writes are limited per visitor)


ASSET_READERS = ("admin", "province", "city", "county", "township_lead")
ASSET_WRITERS = ("admin", "county", "township_lead")


def assets_ids(app, world):
    """An asset, a resource and a contract on it in 钱王社区, registered by the township lead."""
    from backend.assets import services
    from backend.core.models import User
    from backend.extensions import db
    with app.app_context(), app.test_request_context(method="POST"):
        lead = db.session.get(User, world["users"]["lead"])
        village = world["regions"]["qianwang"]
        asset = services.create_asset(lead, {"region_id": village, "name": "矩阵测试厂房", "category": "经营性",
                                             "original_value": 5000, "net_value": 4000})
        resource = services.create_resource(lead, {"region_id": village, "name": "矩阵测试鱼塘", "kind": "水面",
                                                   "area": 8})
        contract = services.create_contract(lead, {"region_id": village, "kind": "租赁", "resource_id": resource.id,
                                                   "counterparty": "矩阵承租人", "starts_on": date(2026, 1, 1),
                                                   "ends_on": date(2028, 12, 31), "annual_amount": 2000})
        db.session.commit()
        return {"asset": asset.id, "resource": resource.id, "contract": contract.id}


PERIODS = itertools.count(2100)  # each villager case in the matrix is about a period of its own
VILLAGE_CODES = itertools.count(900)  # 330112006900…: villages the matrix adds under 锦城


def subsidy_ids(app, world, project_id):
    """The seeded 钱王社区 subsidy data: a beneficiary, an accepted import, an open case, a comment."""
    from sqlalchemy import select

    from backend.comments import services as comments
    from backend.extensions import db
    from backend.projects.models import Project
    from backend.subsidies import services
    from backend.imports.models import ImportRun
    from backend.subsidies.models import Beneficiary, SubsidyPolicy
    from subsidy_seed import people, seed, village_code
    seed(app, world)
    code = village_code(app, world)
    with app.app_context(), app.test_request_context(method="POST"):
        from backend.core import pii
        # 赵小明: the browser tests walk 王建国 and the masking test 李秀英 through their own cases.
        zhao = db.session.execute(select(Beneficiary).where(
            Beneficiary.id_hash == pii.blind(people()["zhao"]["id_number"], "id_number"))).scalar_one()
        policy = db.session.execute(select(SubsidyPolicy.id).where(SubsidyPolicy.name == "困难群众临时救助")).scalar()
        run = db.session.execute(select(ImportRun.id).where(
            ImportRun.region_id == world["regions"]["jincheng"], ImportRun.status == "accepted")).scalars().first()
        case, _ = services.open_case(zhao, new_uuid(), "没收到", policy_id=policy, period=str(next(PERIODS)))
        project = db.session.get(Project, project_id)
        comment, _ = comments.leave(project, new_uuid(), "comment", f"路面有裂缝 {new_uuid()[:8]}", None, "13812345678",
                                    f"10.9.{int(new_uuid()[:2], 16)}.{int(new_uuid()[:2], 16)}")
        token = services.issue_token(zhao)
        db.session.commit()
        return {"beneficiary": zhao.id, "import": run, "case": case.id, "comment": comment.id, "village_code": code,
                "token": token, "policy": policy}


def _people_file(ids):
    import io
    from backend.core import pii
    n = int(new_uuid().replace("-", ""), 16)  # a random person born on a real day
    first = f"3301121{950 + n % 50}{1 + n // 50 % 12:02d}{1 + n // 600 % 28:02d}{n // 16800 % 1000:03d}"
    data = f"姓名,身份证号码,村\n矩阵测试,{first + pii.id_check_char(first)},钱王社区\n".encode()
    return {"client_uuid": new_uuid(), "kind": "beneficiaries", "region_id": str(ids["regions"]["jincheng"]),
            "file": (io.BytesIO(data), "people.csv")}


def fresh_import(app, world):
    """An accepted run of its own (each withdrawal needs one), by the township lead."""
    from backend.core.models import Region, User
    from backend.extensions import db
    from backend.imports import engine
    from backend.subsidies import importer
    form = _people_file({"regions": world["regions"]})
    with app.app_context(), app.test_request_context(method="POST"):
        run = engine.run("beneficiaries", db.session.get(Region, world["regions"]["jincheng"]),
                           db.session.get(User, world["users"]["lead"]), "people.csv", form["file"][0].getvalue())
        db.session.commit()
        assert run.status == "accepted", run.errors
        return run.id


def secret_import(app, world):
    """An accepted run by the township lead with something to hand back once."""
    from backend.extensions import db
    from backend.imports import engine
    from backend.imports.models import ImportRun
    run_id = fresh_import(app, world)
    with app.app_context():
        db.session.get(ImportRun, run_id).secret = engine.seal_secret([{"username": "x", "password": "y"}])
        db.session.commit()
    return run_id


def township_policy(app, world):
    """A policy issued by 锦城街道 (its lead may change it; the county's policies are the county's)."""
    from backend.core.models import Region, User
    from backend.extensions import db
    from backend.imports import engine
    data = "政策名称,类别,补贴标准,单位,年度\n矩阵测试乡镇补贴,社会救助,100,元/人·次,2026\n".encode()
    with app.app_context(), app.test_request_context(method="POST"):
        run = engine.run("policies", db.session.get(Region, world["regions"]["jincheng"]),
                           db.session.get(User, world["users"]["lead"]), "policies.csv", data)
        db.session.commit()
        assert run.status == "accepted", run.errors
        from backend.subsidies.models import SubsidyPolicy
        return db.session.query(SubsidyPolicy.id).filter_by(name="矩阵测试乡镇补贴", year=2026).scalar()


def _unit_body(ids):
    return {"client_uuid": new_uuid(), "region_id": ids["regions"]["jincheng"], "name": "锦城街道测试单位",
            "kind": "学校"}


def _project_body(ids):
    return {"client_uuid": new_uuid(), "region_id": ids["regions"]["qianwang"],
            "unit_id": ids["units"]["jincheng"], "name": "钱王社区道路硬化工程", "category": "道路交通",
            "budget": "500000.00"}


def _fund_body(ids):
    return {"client_uuid": new_uuid(), "region_id": ids["regions"]["jincheng"], "doc_no": "矩阵〔2026〕" + new_uuid()[:8],
            "name": "矩阵测试资金", "category": "general_transfer", "source_level": "county", "amount": "1000.00",
            "issued_on": "2026-11-01"}


def fund_for(app, world, stage):
    """A budget line in 锦城街道: issued only, or arrived with 100 yuan allocated and nothing spent."""
    from datetime import date
    from decimal import Decimal

    from backend.core.models import User
    from backend.extensions import db
    from backend.funds import services
    with app.app_context(), app.test_request_context(method="POST"):
        county = db.session.get(User, world["users"]["county"])
        fund = services.create_fund(county, {**_fund_body({"regions": world["regions"]}), "amount": Decimal("1000.00"),
                                             "issued_on": date(2026, 11, 1)})
        if stage != "issued":
            services.register_arrival(fund, county, date(2026, 11, 5), "回执-1")
            services.allocate(fund, county, {"target": "own", "purpose": "办公经费", "amount": Decimal("100.00"),
                                             "allocated_on": date(2026, 11, 6)})
        db.session.commit()
        return fund.id


def _user_body(ids):
    return {"username": "u" + new_uuid()[:8], "display_name": "新巡查员", "password": "long-enough-pass",
            "role": "inspector", "region_id": ids["regions"]["jincheng"]}


ENDPOINTS = {
    "hello": Endpoint("GET", "/api/v1/hello", lambda i: "/api/v1/hello", 200, anon=200, scoped=False),
    "me": Endpoint("GET", "/api/v1/auth/me", lambda i: "/api/v1/auth/me", 200, scoped=False),
    "logout": Endpoint("POST", "/api/v1/auth/logout", lambda i: "/api/v1/auth/logout", 204, scoped=False),
    "users": Endpoint("GET", "/api/v1/users", lambda i: "/api/v1/users", 200,
                      roles=("admin", "province", "city", "county", "township_lead"), scoped=False),
    "user_create": Endpoint("POST", "/api/v1/users", lambda i: "/api/v1/users", 201, roles=("admin", "county"),
                            body=_user_body),
    # User management: a fresh inspector of 锦城 each time; admin anywhere, the county in its county.
    "user_update": Endpoint("PATCH", "/api/v1/users/<int:user_id>", lambda i: f"/api/v1/users/{i['target']}", 200,
                            roles=("admin", "county"), needs={"target": True},
                            body=lambda i: {"role": "township_lead"}),
    "user_reset": Endpoint("POST", "/api/v1/users/<int:user_id>/reset-password",
                           lambda i: f"/api/v1/users/{i['target']}/reset-password", 200, roles=("admin", "county"),
                           needs={"target": True}),
    "user_deactivate": Endpoint("POST", "/api/v1/users/<int:user_id>/deactivate",
                                lambda i: f"/api/v1/users/{i['target']}/deactivate", 200, roles=("admin", "county"),
                                needs={"target": True}, body=lambda i: {"reason": "调离"}),
    "user_reactivate": Endpoint("POST", "/api/v1/users/<int:user_id>/reactivate",
                                lambda i: f"/api/v1/users/{i['target']}/reactivate", 200, roles=("admin", "county"),
                                needs={"target": True}),
    "regions": Endpoint("GET", "/api/v1/regions", lambda i: "/api/v1/regions", 200, scoped=False),
    "region": Endpoint("GET", "/api/v1/regions/<int:region_id>",
                       lambda i: f"/api/v1/regions/{i['regions']['jincheng']}", 200),
    "labels": Endpoint("GET", "/api/v1/regions/<int:region_id>/labels",
                       lambda i: f"/api/v1/regions/{i['regions']['jincheng']}/labels", 200),
    "units": Endpoint("GET", "/api/v1/units", lambda i: "/api/v1/units", 200, scoped=False),
    "unit": Endpoint("GET", "/api/v1/units/<int:unit_id>", lambda i: f"/api/v1/units/{i['units']['jincheng']}", 200),
    "unit_create": Endpoint("POST", "/api/v1/units", lambda i: "/api/v1/units", 201,
                            roles=("township_lead", "county", "admin"), body=_unit_body),
    "projects": Endpoint("GET", "/api/v1/projects", lambda i: "/api/v1/projects", 200, scoped=False),
    "project_create": Endpoint("POST", "/api/v1/projects", lambda i: "/api/v1/projects", 201,
                               roles=("township_lead", "county"), body=_project_body),
    "project": Endpoint("GET", "/api/v1/projects/<int:project_id>",
                        lambda i: f"/api/v1/projects/{i['project']}", 200, needs={"project": "construction"}),
    "timeline": Endpoint("GET", "/api/v1/projects/<int:project_id>/timeline",
                         lambda i: f"/api/v1/projects/{i['project']}/timeline", 200, needs={"project": "approved"}),
    "payments": Endpoint("GET", "/api/v1/projects/<int:project_id>/payments",
                         lambda i: f"/api/v1/projects/{i['project']}/payments", 200, needs={"project": "construction"}),
    "payment_create": Endpoint("POST", "/api/v1/projects/<int:project_id>/payments",
                               lambda i: f"/api/v1/projects/{i['project']}/payments", 201,
                               roles=("township_lead", "county"), needs={"project": "construction"},
                               body=lambda i: {"client_uuid": new_uuid(), "amount": "1200.50",
                                               "paid_on": "2026-05-01", "payee": "杭州临安城建工程有限公司",
                                               "voucher_no": "V-" + new_uuid()[:8], "funding_source": "区级配套资金"}),
    "chain": Endpoint("GET", "/api/v1/projects/<int:project_id>/chain",
                      lambda i: f"/api/v1/projects/{i['project']}/chain", 200, needs={"project": "approved"}),
    "stage": Endpoint("POST", "/api/v1/projects/<int:project_id>/stage",
                      lambda i: f"/api/v1/projects/{i['project']}/stage", 200,
                      roles=("township_lead", "county"), needs={"project": "approved"},
                      body=lambda i: {"client_uuid": new_uuid(), "to_stage": "tendering"}),
    "scan": Endpoint("GET", "/api/v1/scan/<code>", lambda i: f"/api/v1/scan/{i['code']}", 200, anon=200,
                     sibling=200, needs={"project": "approved"}),
    "png": Endpoint("GET", "/api/v1/codes/<code>.png", lambda i: f"/api/v1/codes/{i['code']}.png", 200,
                    anon=200, scoped=False, needs={"project": "approved"}),
    "svg": Endpoint("GET", "/api/v1/codes/<code>.svg", lambda i: f"/api/v1/codes/{i['code']}.svg", 200,
                    anon=200, scoped=False, needs={"project": "approved"}),
    "revoke": Endpoint("POST", "/api/v1/codes/<code>/revoke", lambda i: f"/api/v1/codes/{i['code']}/revoke", 200,
                       roles=("township_lead", "county", "city", "province", "admin"),
                       needs={"project": "approved"},
                       body=lambda i: {"client_uuid": new_uuid(), "reason": "标牌损坏", "reissue": True}),
    "checklists": Endpoint("GET", "/api/v1/checklists", lambda i: "/api/v1/checklists", 200, scoped=False),
    "inspections": Endpoint("GET", "/api/v1/inspections", lambda i: "/api/v1/inspections", 200, scoped=False),
    "inspection_create": Endpoint("POST", "/api/v1/inspections", lambda i: "/api/v1/inspections", 201,
                                  roles=("inspector", "township_lead", "county"), needs={"project": "construction"},
                                  body=lambda i: {"client_uuid": new_uuid(), "project_id": i["project"],
                                                  "verdict": "normal", "lat": 30.234, "lng": 119.72}),
    "inspection": Endpoint("GET", "/api/v1/inspections/<int:inspection_id>",
                           lambda i: f"/api/v1/inspections/{i['inspection_id']}", 200,
                           needs={"project": "construction", "inspection": True}),
    "photo_upload": Endpoint("POST", "/api/v1/inspections/<uuid:inspection_uuid>/photos",
                             lambda i: f"/api/v1/inspections/{i['inspection']}/photos", 201,
                             roles=("inspector", "township_lead", "county"),
                             needs={"project": "construction", "inspection": "actor"},
                             form=lambda i: photo_form(jpeg_bytes(seed=hash(new_uuid())))),
    "photo": Endpoint("GET", "/api/v1/photos/<int:photo_id>.jpg", lambda i: f"/api/v1/photos/{i['photo']}.jpg",
                      200, needs={"project": "construction", "inspection": True, "photo": True}),
    "photo_thumb": Endpoint("GET", "/api/v1/photos/<int:photo_id>/thumb.jpg",
                            lambda i: f"/api/v1/photos/{i['photo']}/thumb.jpg", 200,
                            needs={"project": "construction", "inspection": True, "photo": True}),
    "tasks": Endpoint("GET", "/api/v1/tasks", lambda i: "/api/v1/tasks", 200, scoped=False),
    "task_create": Endpoint("POST", "/api/v1/tasks", lambda i: "/api/v1/tasks", 201,
                            roles=("township_lead", "county"), needs={"project": "construction"},
                            body=lambda i: {"client_uuid": new_uuid(), "project_id": i["project"],
                                            "assignee_id": i["users"]["inspector"], "due_on": "2099-01-01"}),
    "risk_rules": Endpoint("GET", "/api/v1/risk-rules", lambda i: "/api/v1/risk-rules", 200, scoped=False),
    "risks": Endpoint("GET", "/api/v1/risks", lambda i: "/api/v1/risks", 200, scoped=False),
    "risk_summary": Endpoint("GET", "/api/v1/risks/summary", lambda i: "/api/v1/risks/summary", 200, scoped=False),
    "risk": Endpoint("GET", "/api/v1/risks/<int:warning_id>", lambda i: f"/api/v1/risks/{i['warning']}", 200,
                     needs={"warning": True}),
    "risk_dismiss": Endpoint("POST", "/api/v1/risks/<int:warning_id>/dismiss",
                             lambda i: f"/api/v1/risks/{i['warning']}/dismiss", 200,
                             roles=("county", "city", "province"), needs={"warning": True},
                             body=lambda i: {"client_uuid": new_uuid(), "reason": "已核实为误报"}),
    "rectifications": Endpoint("GET", "/api/v1/rectifications", lambda i: "/api/v1/rectifications", 200, scoped=False),
    "rectification_open": Endpoint("POST", "/api/v1/rectifications", lambda i: "/api/v1/rectifications", 201,
                                   roles=("township_lead", "county"), needs={"warning": True},
                                   body=lambda i: {"client_uuid": new_uuid(), "warning_id": i["warning"],
                                                   "requirement": "整改", "responsible_id": i["users"]["inspector"],
                                                   "due_on": "2099-01-01"}),
    "rectification": Endpoint("GET", "/api/v1/rectifications/<int:rectification_id>",
                              lambda i: f"/api/v1/rectifications/{i['rect']}", 200, needs={"rect": "open"}),
    "evidence": Endpoint("POST", "/api/v1/rectifications/<int:rectification_id>/evidence",
                         lambda i: f"/api/v1/rectifications/{i['rect']}/evidence", 201,
                         roles=("inspector", "township_lead"), needs={"rect": "open"}, only=("inspector",),
                         body=lambda i: {"client_uuid": new_uuid(), "text": "已整改"}),
    "evidence_photo": Endpoint("POST", "/api/v1/rectifications/evidence/<uuid:evidence_uuid>/photos",
                               lambda i: f"/api/v1/rectifications/evidence/{i['evidence']}/photos", 201,
                               roles=("inspector", "township_lead"), needs={"rect": "open", "evidence": True},
                               only=("inspector",), form=lambda i: photo_form(jpeg_bytes(seed=hash(new_uuid())))),
    "rect_approve": Endpoint("POST", "/api/v1/rectifications/<int:rectification_id>/approve",
                             lambda i: f"/api/v1/rectifications/{i['rect']}/approve", 200,
                             roles=("township_lead", "county"), needs={"rect": "submitted"},
                             body=lambda i: {"client_uuid": new_uuid()}),
    "rect_reject": Endpoint("POST", "/api/v1/rectifications/<int:rectification_id>/reject",
                            lambda i: f"/api/v1/rectifications/{i['rect']}/reject", 200,
                            roles=("township_lead", "county"), needs={"rect": "submitted"},
                            body=lambda i: {"client_uuid": new_uuid(), "reason": "不合格"}),
    "rect_close": Endpoint("POST", "/api/v1/rectifications/<int:rectification_id>/close-unfixed",
                           lambda i: f"/api/v1/rectifications/{i['rect']}/close-unfixed", 200,
                           roles=("township_lead", "county"), needs={"rect": "open"},
                           body=lambda i: {"client_uuid": new_uuid(), "reason": "无法整改"}),
    "rect_reopen": Endpoint("POST", "/api/v1/rectifications/<int:rectification_id>/reopen",
                            lambda i: f"/api/v1/rectifications/{i['rect']}/reopen", 200,
                            roles=("county", "city", "province"), needs={"rect": "approved"},
                            body=lambda i: {"client_uuid": new_uuid(), "reason": "复查发现问题"}),
    "import": Endpoint("POST", "/api/v1/imports", lambda i: "/api/v1/imports", 202,
                       roles=("admin", "county", "township_lead"), form=_people_file),
    "imports": Endpoint("GET", "/api/v1/imports", lambda i: "/api/v1/imports", 200,
                        roles=("admin", "county", "township_lead"), scoped=False),
    "import_one": Endpoint("GET", "/api/v1/imports/<int:import_id>",
                           lambda i: f"/api/v1/imports/{i['sub']['import']}", 200,
                           roles=("admin", "county", "township_lead"), needs={"subsidy": True}),
    "import_withdraw": Endpoint("POST", "/api/v1/imports/<int:import_id>/withdraw",
                                lambda i: f"/api/v1/imports/{i['fresh_import']}/withdraw", 200,
                                roles=("admin", "county", "township_lead"), needs={"fresh_import": True},
                                body=lambda i: {"client_uuid": new_uuid(), "reason": "导错了文件"}),
    "import_report": Endpoint("GET", "/api/v1/imports/<int:import_id>/report.csv",
                              lambda i: f"/api/v1/imports/{i['sub']['import']}/report.csv", 200,
                              roles=("admin", "county", "township_lead"), needs={"subsidy": True}),
    "import_secret": Endpoint("POST", "/api/v1/imports/<int:import_id>/secret",
                              lambda i: f"/api/v1/imports/{i['secret_import']}/secret", 200,
                              roles=("admin", "county", "township_lead"), needs={"secret_import": True},
                              only=("lead",)),
    "import_kinds": Endpoint("GET", "/api/v1/imports/kinds", lambda i: "/api/v1/imports/kinds", 200,
                             roles=("admin", "county", "township_lead"), scoped=False),
    "import_template": Endpoint("GET", "/api/v1/imports/kinds/<kind>/template.xlsx",
                                lambda i: "/api/v1/imports/kinds/beneficiaries/template.xlsx", 200,
                                roles=("admin", "county", "township_lead"), scoped=False),
    "import_mapping": Endpoint("GET", "/api/v1/imports/kinds/<kind>/mapping",
                               lambda i: f"/api/v1/imports/kinds/beneficiaries/mapping?region_id={i['regions']['jincheng']}",
                               200, roles=("admin", "county", "township_lead")),
    "import_mapping_save": Endpoint("PUT", "/api/v1/imports/kinds/<kind>/mapping",
                                    lambda i: "/api/v1/imports/kinds/beneficiaries/mapping", 200,
                                    roles=("admin", "county", "township_lead"),
                                    body=lambda i: {"client_uuid": new_uuid(), "region_id": i["regions"]["jincheng"],
                                                    "columns": {"户主": "name", "证件号": "id_number"}}),
    "policies": Endpoint("GET", "/api/v1/subsidies/policies", lambda i: "/api/v1/subsidies/policies", 200, scoped=False),
    "beneficiaries": Endpoint("GET", "/api/v1/subsidies/beneficiaries", lambda i: "/api/v1/subsidies/beneficiaries",
                              200, scoped=False),
    "beneficiary": Endpoint("GET", "/api/v1/subsidies/beneficiaries/<int:beneficiary_id>",
                            lambda i: f"/api/v1/subsidies/beneficiaries/{i['sub']['beneficiary']}", 200,
                            needs={"subsidy": True}),
    "reveal": Endpoint("POST", "/api/v1/subsidies/beneficiaries/<int:beneficiary_id>/reveal",
                       lambda i: f"/api/v1/subsidies/beneficiaries/{i['sub']['beneficiary']}/reveal", 200,
                       roles=("admin", "county", "township_lead"), needs={"subsidy": True},
                       body=lambda i: {"field": "bank_card", "reason": "核对发放失败原因"}),
    "disbursements": Endpoint("GET", "/api/v1/subsidies/disbursements", lambda i: "/api/v1/subsidies/disbursements",
                              200, scoped=False),
    "cases": Endpoint("GET", "/api/v1/subsidies/cases", lambda i: "/api/v1/subsidies/cases", 200, scoped=False),
    "case_answer": Endpoint("POST", "/api/v1/subsidies/cases/<int:case_id>/answer",
                            lambda i: f"/api/v1/subsidies/cases/{i['sub']['case']}/answer", 200,
                            roles=("admin", "county", "township_lead"), needs={"subsidy": True},
                            body=lambda i: {"client_uuid": new_uuid(), "answer": "已核实，银行卡已销户，已改卡重发"}),
    "village_code": Endpoint("POST", "/api/v1/regions/<int:region_id>/village-code",
                             lambda i: f"/api/v1/regions/{i['regions']['qianwang']}/village-code", 200,
                             roles=("admin", "county", "township_lead")),
    "village_search": Endpoint("GET", "/api/v1/public/villages", lambda i: "/api/v1/public/villages?q=钱王", 200,
                               anon=200, scoped=False, needs={"subsidy": True}),
    "village_page": Endpoint("GET", "/api/v1/public/villages/<code>",
                             lambda i: f"/api/v1/public/villages/{i['sub']['village_code']}", 200, anon=200,
                             scoped=False, needs={"subsidy": True}),
    "self_check": Endpoint("POST", "/api/v1/public/self-check", lambda i: "/api/v1/public/self-check", 200, anon=200,
                           scoped=False, visitor=True, body=lambda i: {
                               "name": people()["zhao"]["name"], "id_number": people()["zhao"]["id_number"],
                               "last4": people()["zhao"]["card"][-4:]}),
    "my_payments": Endpoint("POST", "/api/v1/public/my-payments", lambda i: "/api/v1/public/my-payments", 200,
                            anon=200, scoped=False, needs={"subsidy": True},
                            body=lambda i: {"token": i["sub"]["token"]}),
    "villager_case": Endpoint("POST", "/api/v1/public/cases", lambda i: "/api/v1/public/cases", 201, anon=201,
                              scoped=False, needs={"subsidy": True}, body=lambda i: {
                                  "token": i["sub"]["token"], "client_uuid": new_uuid(), "policy_id": i["sub"]["policy"],
                                  "period": str(next(PERIODS)), "note": "没收到"}),
    "project_comments": Endpoint("GET", "/api/v1/public/projects/<int:project_id>/comments",
                                 lambda i: f"/api/v1/public/projects/{i['project']}/comments", 200, anon=200,
                                 scoped=False, needs={"project": "construction"}),
    "comment_leave": Endpoint("POST", "/api/v1/public/projects/<int:project_id>/comments",
                              lambda i: f"/api/v1/public/projects/{i['project']}/comments", 201, anon=201,
                              scoped=False, visitor=True, needs={"project": "construction"},
                              body=lambda i: {"client_uuid": new_uuid(), "body": f"施工噪音太大 {new_uuid()[:6]}"}),
    "project_photos": Endpoint("GET", "/api/v1/public/projects/<int:project_id>/photos",
                               lambda i: f"/api/v1/public/projects/{i['project']}/photos", 200, anon=200,
                               scoped=False, needs={"project": "construction"}),
    "public_photo": Endpoint("GET", "/api/v1/public/photos/<int:photo_id>.jpg",
                             lambda i: f"/api/v1/public/photos/{i['photo']}.jpg", 200, anon=200, scoped=False,
                             needs={"project": "construction", "inspection": True, "photo": True}),
    "public_thumb": Endpoint("GET", "/api/v1/public/photos/<int:photo_id>/thumb.jpg",
                             lambda i: f"/api/v1/public/photos/{i['photo']}/thumb.jpg", 200, anon=200,
                             scoped=False, needs={"project": "construction", "inspection": True, "photo": True}),
    "comments": Endpoint("GET", "/api/v1/comments", lambda i: "/api/v1/comments", 200, scoped=False),
    "comment_answer": Endpoint("POST", "/api/v1/comments/<int:comment_id>/answer",
                               lambda i: f"/api/v1/comments/{i['sub']['comment']}/answer", 200,
                               roles=("admin", "county", "township_lead"), needs={"subsidy": True},
                               body=lambda i: {"client_uuid": new_uuid(), "answer": "已安排夜间停工"}),
    "comment_reveal_contact": Endpoint("POST", "/api/v1/comments/<int:comment_id>/reveal-contact",
                                       lambda i: f"/api/v1/comments/{i['sub']['comment']}/reveal-contact", 200,
                                       roles=("township_lead", "inspector"), needs={"subsidy": True},
                                       body=lambda i: {"reason": "按留言人要求回电"}),
    "comment_hide": Endpoint("POST", "/api/v1/comments/<int:comment_id>/hide",
                             lambda i: f"/api/v1/comments/{i['sub']['comment']}/hide", 200,
                             roles=("admin", "county", "township_lead"), needs={"subsidy": True},
                             body=lambda i: {"client_uuid": new_uuid(), "reason": "广告"}),
    "inbox": Endpoint("GET", "/api/v1/notifications", lambda i: "/api/v1/notifications", 200, scoped=False),
    "inbox_read": Endpoint("POST", "/api/v1/notifications/<int:notification_id>/read",
                           lambda i: f"/api/v1/notifications/{i['notification']}/read", 204, scoped=False,
                           needs={"notification": True}),
    "inbox_read_all": Endpoint("POST", "/api/v1/notifications/read-all",
                               lambda i: "/api/v1/notifications/read-all", 204, scoped=False),
    # ---- the cockpit
    "overview": Endpoint("GET", "/api/v1/overview/<int:region_id>",
                         lambda i: f"/api/v1/overview/{i['regions']['jincheng']}", 200,
                         roles=("admin", "province", "city", "county", "township_lead")),
    # ---- oversight: the audit log (county and above) and field coverage (issue 12)
    "audit": Endpoint("GET", "/api/v1/audit", lambda i: f"/api/v1/audit?region_id={i['regions']['jincheng']}", 200,
                      roles=("admin", "province", "city", "county")),
    "audit_csv": Endpoint("GET", "/api/v1/audit.csv",
                          lambda i: f"/api/v1/audit.csv?region_id={i['regions']['jincheng']}&action=reveal", 200,
                          roles=("admin", "province", "city", "county")),
    # a digest is one's own (someone else's is simply not found): supervisors ask for theirs
    "digest": Endpoint("GET", "/api/v1/digests/<day>", lambda i: f"/api/v1/digests/{i['digest_day']}", 200,
                       roles=("admin", "province", "city", "county"), scoped=False, needs={"digest": True}),
    "coverage": Endpoint("GET", "/api/v1/coverage/<int:region_id>",
                         lambda i: f"/api/v1/coverage/{i['regions']['jincheng']}", 200,
                         roles=("admin", "province", "city", "county", "township_lead")),
    "overview_fund_flow": Endpoint("GET", "/api/v1/overview/<int:region_id>/fund-flow",
                                   lambda i: f"/api/v1/overview/{i['regions']['jincheng']}/fund-flow", 200,
                                   roles=("admin", "province", "city", "county", "township_lead")),
    # ---- funds
    "funds": Endpoint("GET", "/api/v1/funds", lambda i: "/api/v1/funds", 200,
                      roles=("admin", "province", "city", "county", "township_lead"), scoped=False),
    "fund_create": Endpoint("POST", "/api/v1/funds", lambda i: "/api/v1/funds", 201,
                            roles=("admin", "county", "township_lead"), body=_fund_body),
    "fund": Endpoint("GET", "/api/v1/funds/<int:fund_id>", lambda i: f"/api/v1/funds/{i['fund']}", 200,
                     roles=("admin", "province", "city", "county", "township_lead"), needs={"fund": True}),
    "fund_arrival": Endpoint("POST", "/api/v1/funds/<int:fund_id>/arrival",
                             lambda i: f"/api/v1/funds/{i['fund']}/arrival", 200,
                             roles=("admin", "county", "township_lead"), needs={"fund": "issued"},
                             body=lambda i: {"client_uuid": new_uuid(), "arrived_on": "2026-11-30",
                                             "receipt_no": "回执-矩阵"}),
    "fund_allocate": Endpoint("POST", "/api/v1/funds/<int:fund_id>/allocations",
                              lambda i: f"/api/v1/funds/{i['fund']}/allocations", 201,
                              roles=("admin", "county", "township_lead"), needs={"fund": True},
                              body=lambda i: {"client_uuid": new_uuid(), "target": "own", "purpose": "办公经费",
                                              "amount": "10.00", "allocated_on": "2026-11-30"}),
    "fund_spend": Endpoint("POST", "/api/v1/funds/<int:fund_id>/expenditures",
                           lambda i: f"/api/v1/funds/{i['fund']}/expenditures", 201,
                           roles=("admin", "county", "township_lead"), needs={"fund": True},
                           body=lambda i: {"client_uuid": new_uuid(), "spent_on": "2026-11-30", "amount": "10.00",
                                           "payee": "临安区某公司", "voucher_no": "记-" + new_uuid()[:8]}),
    # ---- projects and units with their history (the township finance office's desk)
    "contractor_correct": Endpoint("POST", "/api/v1/projects/<int:project_id>/contractor",
                                   lambda i: f"/api/v1/projects/{i['project']}/contractor", 200,
                                   roles=("township_lead", "county"), needs={"project": "contracted"},
                                   body=lambda i: {"client_uuid": new_uuid(), "contractor": f"更正建设有限公司{new_uuid()[:4]}",
                                                   "reason": "合同名称录入错误"}),
    "reissue": Endpoint("POST", "/api/v1/codes/<code>/reissue", lambda i: f"/api/v1/codes/{i['code']}/reissue", 200,
                        roles=("township_lead", "county", "city", "province", "admin"),
                        needs={"project": "approved"}, body=lambda i: {"client_uuid": new_uuid(), "reason": "标牌损坏"}),
    # ---- subsidy files (issue 11): mutually exclusive policies set on the policy screen
    "policy_exclusive": Endpoint("POST", "/api/v1/subsidies/policies/<int:policy_id>/exclusive",
                                 lambda i: f"/api/v1/subsidies/policies/{i['township_policy']}/exclusive", 200,
                                 roles=("admin", "county", "township_lead"), needs={"township_policy": True},
                                 body=lambda i: {"client_uuid": new_uuid(), "exclusive_with": []}),
    # ---- assets (三资): township leads and the county write in their region, supervisors read
    "assets": Endpoint("GET", "/api/v1/assets", lambda i: "/api/v1/assets", 200, roles=ASSET_READERS, scoped=False),
    "asset_create": Endpoint("POST", "/api/v1/assets", lambda i: "/api/v1/assets", 201, roles=ASSET_WRITERS,
                             body=lambda i: {"client_uuid": new_uuid(), "region_id": i["regions"]["qianwang"],
                                             "name": "矩阵测试仓库", "category": "经营性", "original_value": "1000.00",
                                             "net_value": "800.00"}),
    "asset": Endpoint("GET", "/api/v1/assets/<int:asset_id>", lambda i: f"/api/v1/assets/{i['assets']['asset']}", 200,
                      roles=ASSET_READERS, needs={"assets": True}),
    "asset_update": Endpoint("PATCH", "/api/v1/assets/<int:asset_id>",
                             lambda i: f"/api/v1/assets/{i['assets']['asset']}", 200, roles=ASSET_WRITERS,
                             needs={"assets": True}, body=lambda i: {"client_uuid": new_uuid(), "location": "村委西侧"}),
    "resources": Endpoint("GET", "/api/v1/resources", lambda i: "/api/v1/resources", 200, roles=ASSET_READERS,
                          scoped=False),
    "resource_create": Endpoint("POST", "/api/v1/resources", lambda i: "/api/v1/resources", 201, roles=ASSET_WRITERS,
                                body=lambda i: {"client_uuid": new_uuid(), "region_id": i["regions"]["qianwang"],
                                                "name": "矩阵测试林地", "kind": "林地", "area": "12.00"}),
    "resource": Endpoint("GET", "/api/v1/resources/<int:resource_id>",
                         lambda i: f"/api/v1/resources/{i['assets']['resource']}", 200, roles=ASSET_READERS,
                         needs={"assets": True}),
    "resource_update": Endpoint("PATCH", "/api/v1/resources/<int:resource_id>",
                                lambda i: f"/api/v1/resources/{i['assets']['resource']}", 200, roles=ASSET_WRITERS,
                                needs={"assets": True}, body=lambda i: {"client_uuid": new_uuid(), "area": "13.00"}),
    "contracts": Endpoint("GET", "/api/v1/resource-contracts", lambda i: "/api/v1/resource-contracts", 200,
                          roles=ASSET_READERS, scoped=False),
    "contract_create": Endpoint("POST", "/api/v1/resource-contracts", lambda i: "/api/v1/resource-contracts", 201,
                                roles=ASSET_WRITERS, needs={"assets": True}, body=lambda i: {
                                    "client_uuid": new_uuid(), "region_id": i["regions"]["qianwang"], "kind": "承包",
                                    "resource_id": i["assets"]["resource"], "counterparty": "矩阵合作社",
                                    "starts_on": "2026-01-01", "ends_on": "2030-12-31", "annual_amount": "3000.00"}),
    "contract": Endpoint("GET", "/api/v1/resource-contracts/<int:contract_id>",
                         lambda i: f"/api/v1/resource-contracts/{i['assets']['contract']}", 200, roles=ASSET_READERS,
                         needs={"assets": True}),
    "contract_update": Endpoint("PATCH", "/api/v1/resource-contracts/<int:contract_id>",
                                lambda i: f"/api/v1/resource-contracts/{i['assets']['contract']}", 200,
                                roles=ASSET_WRITERS, needs={"assets": True},
                                body=lambda i: {"client_uuid": new_uuid(), "note": "矩阵测试"}),
    "contract_receipt": Endpoint("POST", "/api/v1/resource-contracts/<int:contract_id>/receipts",
                                 lambda i: f"/api/v1/resource-contracts/{i['assets']['contract']}/receipts", 201,
                                 roles=ASSET_WRITERS, needs={"assets": True},
                                 body=lambda i: {"client_uuid": new_uuid(), "received_on": "2026-11-30",
                                                 "amount": "100.00", "voucher_no": f"M-{new_uuid()[:8]}"}),
    # ---- admin: regions by hand (a village added under 锦城; 锦城 renamed to its own name changes nothing)
    "region_create": Endpoint("POST", "/api/v1/regions", lambda i: "/api/v1/regions", 201, roles=("admin",),
                              scoped=False, body=lambda i: {"client_uuid": new_uuid(), "name": "矩阵村",
                                                            "code": f"330112006{next(VILLAGE_CODES)}",
                                                            "parent_id": i["regions"]["jincheng"]}),
    "region_rename": Endpoint("PATCH", "/api/v1/regions/<int:region_id>",
                              lambda i: f"/api/v1/regions/{i['regions']['jincheng']}", 200, roles=("admin",),
                              body=lambda i: {"client_uuid": new_uuid(), "name": "锦城街道"}),
    # The lists narrowed to 锦城街道 (?region_id=): a sibling's list may not be narrowed to it.
    **{f"{key}_in_region": Endpoint("GET", rule, lambda i, rule=rule: f"{rule}?region_id={i['regions']['jincheng']}", 200)
       for key, rule in (("projects", "/api/v1/projects"), ("risks", "/api/v1/risks"),
                         ("rectifications", "/api/v1/rectifications"), ("inspections", "/api/v1/inspections"),
                         ("beneficiaries", "/api/v1/subsidies/beneficiaries"),
                         ("disbursements", "/api/v1/subsidies/disbursements"))},
    # ---- exports of the lists (issue 14), narrowed to 锦城街道: a sibling may not export it
    **{f"{key}_export": Endpoint("GET", rule, lambda i, rule=rule, fmt=fmt:
                                 f"{rule}?format={fmt}&region_id={i['regions']['jincheng']}", 200)
       for key, rule, fmt in (("projects", "/api/v1/projects/export", "csv"), ("risks", "/api/v1/risks/export", "xlsx"),
                              ("rectifications", "/api/v1/rectifications/export", "csv"),
                              ("inspections", "/api/v1/inspections/export", "xlsx"),
                              ("beneficiaries", "/api/v1/subsidies/beneficiaries/export", "csv"),
                              ("disbursements", "/api/v1/subsidies/disbursements/export", "xlsx"))},
    "screen": Endpoint("GET", "/api/v1/screen/<int:region_id>", lambda i: f"/api/v1/screen/{i['regions']['jincheng']}",
                       200, roles=("admin", "province", "city", "county", "township_lead")),
    "audit_export": Endpoint("GET", "/api/v1/audit/export",
                             lambda i: f"/api/v1/audit/export?format=xlsx&region_id={i['regions']['jincheng']}", 200,
                             roles=("admin", "province", "city", "county")),
    # personal data in full: admin, county and the township's lead only (the others: reveal_not_allowed)
    **{f"{key}_export_revealed": Endpoint(
        "GET", rule, lambda i, rule=rule: f"{rule}?format=csv&region_id={i['regions']['jincheng']}&reveal=1&reason=核对",
        200, only=("admin", "county", "lead"))
       for key, rule in (("beneficiaries", "/api/v1/subsidies/beneficiaries/export"),
                         ("disbursements", "/api/v1/subsidies/disbursements/export"))},
}
# Public, credential-exchange or self-service endpoints: covered by test_auth.py and test_accounts.py
# (changing one's own password would change the shared world users' passwords here), not by role.
NOT_ROLE_BASED = {"/api/v1/auth/login", "/api/v1/auth/token", "/api/v1/auth/token/revoke",
                  "/api/v1/auth/password", "/api/v1/openapi.json"}


def fresh_inspector(app, world):
    from backend.core.auth import hash_password
    from backend.core.models import User
    from backend.extensions import db
    from conftest import PASSWORD
    with app.app_context():
        user = User(username=f"m_{new_uuid()[:8]}", display_name="矩阵巡查员", role="inspector",
                    password_hash=hash_password(PASSWORD), region_id=world["regions"]["jincheng"])
        db.session.add(user)
        db.session.commit()
        return user.id


def notification_for(app, world, actor):
    """A message in the actor's own inbox (anonymous: any id, it is refused before the lookup)."""
    from backend.core.models import User
    from backend.extensions import db
    from backend.notifications.models import Notification
    from backend.notifications.services import notify
    if actor is None:
        return 1
    with app.app_context():
        user = db.session.get(User, world["users"][actor])
        notify([user], "matrix", "矩阵测试", "Matrix test", "/")
        db.session.commit()
        return db.session.query(Notification.id).filter_by(user_id=user.id).order_by(Notification.id.desc()).first()[0]


def digest_day(app):
    """A day of its own whose digest every supervisor got."""
    from backend.extensions import db
    from backend.oversight import digest
    day = date(2099, 1, 1) + timedelta(days=next(DIGEST_DAYS))
    with app.app_context():
        digest.send(day, roles=("admin", "province", "city", "county"))
        db.session.commit()
    return day.isoformat()


DIGEST_DAYS = itertools.count()


def expected(endpoint, actor):
    if actor is None:
        return endpoint.anon
    if endpoint.roles and ROLE[actor] not in endpoint.roles:
        return 403
    if endpoint.scoped and actor in SIBLINGS:
        return endpoint.sibling
    if endpoint.only and actor not in endpoint.only:
        return 403
    return endpoint.ok


@pytest.mark.parametrize("actor", ACTORS, ids=lambda a: a or "anonymous")
@pytest.mark.parametrize("name", ENDPOINTS)
def test_matrix(app, world, login_as, make_project, make_inspection, make_photo, make_warning,
                make_rectification, name, actor):
    endpoint = ENDPOINTS[name]
    ids = dict(world)
    if "project" in endpoint.needs:
        ids["project"] = make_project(stage=endpoint.needs["project"])
        ids["code"] = code_of(app, ids["project"])
    if "inspection" in endpoint.needs:
        # An upload goes to the actor's own inspection when they could have recorded one here.
        own = endpoint.needs["inspection"] == "actor" and actor in ("inspector", "lead", "county")
        ids["inspection"] = make_inspection(ids["project"], by=actor if own else "inspector")
        ids["inspection_id"] = inspection_id(app, ids["inspection"])
    if "photo" in endpoint.needs:
        ids["photo"] = make_photo(ids["inspection"])
    if "warning" in endpoint.needs:
        ids["warning"] = make_warning()[0]
    if "rect" in endpoint.needs:
        ids["rect"] = make_rectification(endpoint.needs["rect"])
    if "evidence" in endpoint.needs:
        ids["evidence"] = submit_evidence(app, world, ids["rect"])
    if "fresh_import" in endpoint.needs:
        ids["fresh_import"] = fresh_import(app, world)
    if "secret_import" in endpoint.needs:
        ids["secret_import"] = secret_import(app, world)
    if "target" in endpoint.needs:
        ids["target"] = fresh_inspector(app, world)
    if "digest" in endpoint.needs:
        ids["digest_day"] = digest_day(app)
    if "notification" in endpoint.needs:
        ids["notification"] = notification_for(app, world, actor)
    if "fund" in endpoint.needs:
        ids["fund"] = fund_for(app, world, endpoint.needs["fund"])
    if "township_policy" in endpoint.needs:
        ids["township_policy"] = township_policy(app, world)
    if "assets" in endpoint.needs:
        ids["assets"] = assets_ids(app, world)
    if "subsidy" in endpoint.needs:
        ids["sub"] = subsidy_ids(app, world, ids.get("project") or make_project(stage="approved"))
    client = login_as(actor)
    body = endpoint.body(ids) if endpoint.body else None
    form = endpoint.form(ids) if endpoint.form else None
    extra = {"environ_base": {"REMOTE_ADDR": f"10.{ord(new_uuid()[0])}.{ord(new_uuid()[0])}.{ord(new_uuid()[1])}"}} \
        if endpoint.visitor else {}
    r = client.request(endpoint.method, endpoint.url(ids), json=body, form=form, **extra)
    want = expected(endpoint, actor)
    assert r.status_code == want, (name, actor, r.status_code, r.get_json(silent=True))
    if want >= 400:
        assert r.json["error"]["code"] in {"unauthenticated", "role_forbidden", "out_of_scope",
                                          "stage_move_forbidden", "not_responsible", "not_importer",
                                          "reveal_not_allowed"}
    if name == "scan":
        covering = actor is not None and actor not in SIBLINGS
        assert r.json["project"]["view"] == ("full" if covering else "public")
        assert ("ref_no" in r.json["project"]) == covering


def test_matrix_covers_every_route(app):
    """Adding an API route without an authorization row fails here."""
    rules = {r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/")}
    covered = {e.rule for e in ENDPOINTS.values()} | NOT_ROLE_BASED
    assert rules - covered == set(), f"routes without an authorization matrix row: {rules - covered}"
