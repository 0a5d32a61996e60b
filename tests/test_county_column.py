"""Every large fact row carries its county (``county_id``), whichever way it was written: the ORM
(services and the API), the subsidy import, the project register and payments import, the bank's
batches, return files and re-issue; a project moved to another county takes it along with its
payments; and the migration's fill puts every row right. (The demo: tests/test_demo.py.)"""
import importlib.util
import io
import uuid
from pathlib import Path

from sqlalchemy import select, text

import subsidy_seed
from bank_seed import approved_batch, banksim, card_number, export, make_people
from backend.extensions import db
from county_check import assert_counties_right
from test_project_import import PAYMENTS, REGISTER, csv, register_row, run

ROOT = Path(__file__).resolve().parent.parent


def test_every_write_path_fills_the_county(app, world, login_as, make_project, make_inspection, make_rectification):
    from backend.bank.models import BatchPayment
    from backend.projects.models import Project, ProjectPayment
    from backend.subsidies.models import Beneficiary, Disbursement
    linan = world["regions"]["linan"]
    # The ORM through the services: a project walked to construction with its payments, an
    # inspection, a warning found by a scan and its rectification.
    project_id = make_project(stage="construction")
    make_inspection(project_id)
    make_rectification()
    # Through the API.
    created = login_as("county").post("/api/v1/projects", json={
        "region_id": world["regions"]["baisha"], "unit_id": world["units"]["taihuyuan"], "name": f"白沙村道{uuid.uuid4().hex[:6]}",
        "category": "道路交通", "budget": "50000.00", "funding_sources": [], "client_uuid": str(uuid.uuid4())})
    assert created.status_code == 201, created.json
    # The subsidy import (beneficiaries, payments, notice).
    subsidy_seed.seed(app, world)
    # The county's register and contract payments import (COPY on PostgreSQL).
    t = uuid.uuid4().hex[:6]
    assert run(app, world, "projects", csv([REGISTER, register_row(f"K-{t}", f"钱王社区排水{t}")]))["status"] == "accepted"
    paid = run(app, world, "project_payments", csv([PAYMENTS, [f"K-{t}", "", "2025-04-01", "1000", "某公司", f"K-{t}", "省级资金"]]))
    assert paid["status"] == "accepted", paid["errors"]
    # The bank: a batch, a return file with one failure, the failure fixed and re-issued.
    data = make_people(app, world, n=2)
    bid = approved_batch(app, world, data)
    files = banksim().simulate(export(app, bid, "rcb_text"), fail={1: "AC04"})
    lead = login_as("lead")
    returned = lead.post("/api/v1/bank/returns", form={"file": (io.BytesIO(files[f"PB{bid:08d}.failure.txt"]), "f.txt")})
    assert returned.status_code == 200, returned.json
    failed = [f for f in lead.get("/api/v1/bank/failures").json["items"] if f["batch_id"] == bid][0]["id"]
    assert lead.post(f"/api/v1/bank/payments/{failed}/fix", json={"bank_card": card_number()}).status_code == 200
    assert login_as("clerk").post(f"/api/v1/bank/payments/{failed}/reissue").status_code == 201
    with app.app_context():
        found = assert_counties_right(db.session)
        assert all(rows > 0 for rows, _ in found.values()), found
        assert db.session.get(Project, project_id).county_id == linan
        assert db.session.get(Project, created.json["id"]).county_id == linan
        assert set(db.session.scalars(select(ProjectPayment.county_id).join(Project).where(Project.ref_no == f"K-{t}"))) == {linan}
        assert set(db.session.scalars(select(BatchPayment.county_id).where(BatchPayment.policy_id == data["policy"]))) == {linan}
        assert set(db.session.scalars(select(Disbursement.county_id).where(Disbursement.policy_id == data["policy"]))) == {linan}
        assert set(db.session.scalars(select(Beneficiary.county_id).where(Beneficiary.id.in_(data["people"])))) == {linan}


def test_a_project_moved_to_another_county_takes_its_payments_along(app, world, make_project):
    from backend.projects.models import Project, ProjectPayment
    project_id = make_project(stage="construction")
    with app.app_context():
        project = db.session.get(Project, project_id)
        project.region_id = world["regions"]["fenshui"]  # (a register corrected: the same path as an import's)
        db.session.commit()
        assert project.county_id == world["regions"]["tonglu"]
        payments = set(db.session.scalars(select(ProjectPayment.county_id).where(ProjectPayment.project_id == project_id)))
        assert payments == {world["regions"]["tonglu"]}
        assert_counties_right(db.session)


def test_the_migration_fills_every_row_from_its_place(app, world, make_project):
    """The migration's fill, run on rows whose county is wrong (as the column's first fill would
    find them: not yet set), puts every one right — a project's payments from the project."""
    from backend.projects.models import Project, ProjectPayment
    spec = importlib.util.spec_from_file_location(
        "county_migration", ROOT / "migrations/versions/a1c3e5f7b9d2_fact_rows_carry_their_county.py")
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    project_id = make_project(stage="construction")
    wrong = world["regions"]["haishu"]
    with app.app_context():
        db.session.execute(text("UPDATE projects SET county_id = :c WHERE id = :p"), {"c": wrong, "p": project_id})
        db.session.execute(text("UPDATE project_payments SET county_id = :c WHERE project_id = :p"), {"c": wrong, "p": project_id})
        db.session.execute(text("UPDATE beneficiaries SET county_id = :c WHERE id IN (SELECT id FROM beneficiaries "
                                "ORDER BY id DESC LIMIT 3)"), {"c": wrong})
        migration.fill(db.session.connection())
        db.session.commit()
        assert db.session.get(Project, project_id).county_id == world["regions"]["linan"]
        assert set(db.session.scalars(select(ProjectPayment.county_id).where(ProjectPayment.project_id == project_id))) \
            == {world["regions"]["linan"]}
        assert_counties_right(db.session)
