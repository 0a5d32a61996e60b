"""Bad input to the subsidy and public endpoints: a specific JSON error with a field path, and
nothing written."""
import io

import pytest

from backend.comments.models import ProjectComment
from backend.core.models import AuditLog
from backend.imports.models import ImportRun
from backend.subsidies.models import (Beneficiary, Disbursement, SelfCheckAttempt, SubsidyCase,
                                      SubsidyPolicy)
from conftest import count, new_uuid
from subsidy_seed import people, seed

TABLES = (Beneficiary, Disbursement, SubsidyPolicy, SubsidyCase, ImportRun, ProjectComment, SelfCheckAttempt)


def snapshot(app):
    """Row counts, and the audit log without sign-ins."""
    from backend.extensions import db
    with app.app_context():
        writes = db.session.query(AuditLog).filter(~AuditLog.action.startswith("auth.")).count()
    return {**{m: count(app, m) for m in TABLES}, "audit": writes}


@pytest.fixture
def seeded(app, world):
    return seed(app, world)


@pytest.fixture
def unchanged(app, seeded):
    before = snapshot(app)
    yield
    assert snapshot(app) == before


def first_person(login_as):
    return login_as("lead").get("/api/v1/subsidies/beneficiaries").json["items"][0]["id"]


@pytest.mark.parametrize("body,path", [
    ({"field": "password", "reason": "看看"}, "json.field"),
    ({"field": "bank_card"}, "json.reason"),
    ({"field": "bank_card", "reason": "x" * 201}, "json.reason"),
])
def test_bad_reveal(login_as, unchanged, body, path):
    lead = login_as("lead")
    r = lead.post(f"/api/v1/subsidies/beneficiaries/{first_person(login_as)}/reveal", json=body)
    assert r.status_code == 400 and r.json["error"]["fields"][0]["path"] == path
    assert r.json["error"]["message"]["zh"] and r.json["error"]["message"]["en"]


@pytest.mark.parametrize("form,path", [
    ({"kind": "people"}, "form_and_files.kind"),
    ({"region_id": "abc"}, "form_and_files.region_id"),
    ({"client_uuid": "not-a-uuid"}, "form_and_files.client_uuid"),
    ({"file": None}, "form_and_files.file"),
])
def test_bad_import_form(world, login_as, unchanged, form, path):
    body = {"client_uuid": new_uuid(), "kind": "beneficiaries", "region_id": str(world["regions"]["jincheng"]),
            "file": (io.BytesIO("姓名,身份证号码,村\n".encode()), "b.csv"), **form}
    body = {k: v for k, v in body.items() if v is not None}
    r = login_as("lead").post("/api/v1/imports", form=body)
    assert r.status_code == 400 and path in [f["path"] for f in r.json["error"]["fields"]]


def test_import_for_a_region_that_does_not_exist(login_as, unchanged):
    r = login_as("admin").post("/api/v1/imports", form={
        "client_uuid": new_uuid(), "kind": "policies", "region_id": "999999", "file": (io.BytesIO(b"x"), "p.csv")})
    assert r.status_code == 404


@pytest.mark.parametrize("url", [
    "/api/v1/subsidies/disbursements?period=2026-13",
    "/api/v1/subsidies/disbursements?status=lost",
    "/api/v1/subsidies/disbursements?region_id=0",
    "/api/v1/subsidies/beneficiaries?q=" + "张" * 41,
    "/api/v1/subsidies/cases?status=closed",
    "/api/v1/imports?kind=people",
    "/api/v1/subsidies/policies?year=twenty",
    "/api/v1/subsidies/policies?year=-36160330071503544",
    "/api/v1/comments?status=deleted",
])
def test_bad_staff_queries(login_as, unchanged, url):
    r = login_as("lead").get(url)
    assert r.status_code == 400 and r.json["error"]["fields"][0]["path"].startswith("query.")


def test_answering_needs_text_and_a_uuid(login_as, unchanged):
    lead = login_as("lead")
    for body, path in (({"answer": "已核实"}, "json.client_uuid"), ({"client_uuid": new_uuid(), "answer": "  "}, "json.answer")):
        r = lead.post("/api/v1/subsidies/cases/1/answer", json=body)
        assert r.status_code == 400 and r.json["error"]["fields"][0]["path"] == path
        r = lead.post("/api/v1/comments/1/answer", json=body)
        assert r.status_code == 400 and r.json["error"]["fields"][0]["path"] == path


def test_village_code_only_for_villages(world, login_as, unchanged):
    r = login_as("lead").post(f"/api/v1/regions/{world['regions']['jincheng']}/village-code")
    assert r.status_code == 400 and r.json["error"]["code"] == "not_a_village"


@pytest.mark.parametrize("body,path", [
    ({"last4": "12a4"}, "json.last4"),
    ({"last4": "12345"}, "json.last4"),
    ({"name": ""}, "json.name"),
    ({"id_number": "3301121962031501"}, "json.id_number"),
])
def test_bad_self_check(login_as, unchanged, body, path):
    wang = people()["wang"]
    full = {"name": wang["name"], "id_number": wang["id_number"], "last4": wang["card"][-4:], **body}
    r = login_as(None).post("/api/v1/public/self-check", json=full)
    assert r.status_code == 400 and r.json["error"]["fields"][0]["path"] == path


@pytest.fixture
def token(app, seeded, login_as):
    """A villager's self-check token, taken before the ``unchanged`` snapshot."""
    wang = people()["wang"]
    me = login_as(None).post("/api/v1/public/self-check", json={
        "name": wang["name"], "id_number": wang["id_number"], "last4": wang["card"][-4:]},
        environ_base={"REMOTE_ADDR": "10.66.0.9"})
    return me.json["token"]


@pytest.mark.parametrize("body,status,path", [
    ({}, 400, "json.policy_id"),
    ({"policy_id": 1, "period": "2026-13"}, 400, "json.period"),
    ({"disbursement_id": 0}, 400, "json.disbursement_id"),
    ({"note": "x" * 501, "disbursement_id": 1}, 400, "json.note"),
    ({"token": "forged"}, 401, None),
])
def test_bad_villager_case(token, unchanged, login_as, body, status, path):
    r = login_as(None).post("/api/v1/public/cases", json={"token": token, "client_uuid": new_uuid(), **body})
    assert r.status_code == status, r.json
    if path:
        assert r.json["error"]["fields"][0]["path"] == path
    else:
        assert r.json["error"]["code"] == "self_check_token_invalid"


@pytest.mark.parametrize("body,path", [
    ({"body": "短"}, "json.body"),
    ({"contact": "12345"}, "json.contact"),
    ({"kind": "praise"}, "json.kind"),
    ({"body": "请看 http://spam.example 便宜"}, "json.body"),
])
def test_bad_comment(world, login_as, make_project, body, path, app):
    project = make_project(stage="construction")
    before = snapshot(app)
    r = login_as(None).post(f"/api/v1/public/projects/{project}/comments", json={
        "client_uuid": new_uuid(), "body": "路边排水沟堵了", **body}, environ_base={"REMOTE_ADDR": "10.66.1.1"})
    assert r.status_code == 400 and r.json["error"]["fields"][0]["path"] == path
    assert snapshot(app) == before


@pytest.mark.parametrize("body,path", [
    ({"reason": "导错了"}, "json.client_uuid"),
    ({"client_uuid": "123", "reason": "导错了"}, "json.client_uuid"),
    ({"client_uuid": new_uuid()}, "json.reason"),
    ({"client_uuid": new_uuid(), "reason": "  "}, "json.reason"),
    ({"client_uuid": new_uuid(), "reason": "长" * 201}, "json.reason"),
    ([], "json._schema"),
])
def test_bad_withdrawal(login_as, unchanged, body, path):
    lead = login_as("lead")
    run_id = lead.get("/api/v1/imports?status=accepted").json["items"][0]["id"]
    r = lead.post(f"/api/v1/imports/{run_id}/withdraw", json=body)
    assert r.status_code == 400, r.json
    assert path in [f["path"] for f in r.json["error"]["fields"]] and r.json["error"]["message"]["zh"]
