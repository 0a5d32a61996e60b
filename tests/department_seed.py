"""The test world's department: 临安区农业农村局 (owns 耕地地力保护补贴 by its 主管部门 name) and its
official ``t_department`` (password PASSWORD). ``ensure(app, world)`` is idempotent and puts the
user in ``world["users"]["department"]`` and the department in ``world["departments"]["nongye"]``."""


def ensure(app, world):
    from sqlalchemy import select

    from backend.core.auth import hash_password
    from backend.core.models import User
    from backend.departments.models import Department
    from backend.extensions import db
    from conftest import PASSWORD
    if "department" in world["users"]:
        return world
    with app.app_context():
        dept = db.session.execute(select(Department).where(Department.code == "T-LA-NYNC")).scalar_one_or_none()
        if dept is None:
            dept = Department(region_id=world["regions"]["linan"], name="农业农村局", code="T-LA-NYNC", active=True)
            db.session.add(dept)
            db.session.flush()
        user = db.session.execute(select(User).where(User.username == "t_department")).scalar_one_or_none()
        if user is None:
            user = User(username="t_department", display_name="测试部门", role="department",
                        password_hash=hash_password(PASSWORD), region_id=world["regions"]["linan"],
                        department_id=dept.id)
            db.session.add(user)
        db.session.commit()
        world["users"]["department"] = user.id
        world.setdefault("departments", {})["nongye"] = dept.id
    return world


def fresh_department(app, world):
    """A department of 临安 of its own (to rename or deactivate)."""
    import uuid

    from backend.departments.models import Department
    from backend.extensions import db
    with app.app_context():
        dept = Department(region_id=world["regions"]["linan"], name=f"残联{uuid.uuid4().hex[:6]}",
                          code=f"CL-{uuid.uuid4().hex[:8]}")
        db.session.add(dept)
        db.session.commit()
        return dept.id


def task_in(app, world, state="dispatched", department="nongye"):
    """A task from the county to 农业农村局 about 锦城, walked to ``state``; returns its id."""
    from datetime import timedelta

    from backend.core import clock
    from backend.core.models import User
    from backend.departments import services
    from backend.extensions import db
    ensure(app, world)
    with app.app_context(), app.test_request_context(method="POST"):
        county = db.session.get(User, world["users"]["county"])
        official = db.session.get(User, world["users"]["department"])
        task = services.dispatch("payment_failure", 1, world["regions"]["jincheng"], world["departments"][department],
                                 "核对银行卡", "Check a card", clock.today() + timedelta(days=5), actor=county)
        walk = {"signed": ["sign"], "working": ["sign"], "fed_back": ["sign", "feedback"], "closed": ["sign", "feedback"]}
        for action in walk.get(state, []):
            services.act(task, official, action, "已办理")
        if state == "closed":
            services.act(task, county, "close")
        db.session.commit()
        return task.id


def subsidy_warning(app, world, held=False):
    """A fresh person in 钱王社区 paid twice for 耕地地力保护补贴 (as the 重复发放 rule would say), with
    an open warning about them; ``held``: their payments already held. Returns ids."""
    import uuid

    from sqlalchemy import select

    from backend.core import pii
    from backend.core.models import User
    from backend.departments import holds
    from backend.extensions import db
    from backend.risks.models import RiskWarning
    from backend.subsidies.models import Beneficiary, SubsidyPolicy
    from conftest import random_id_number
    from subsidy_seed import seed
    seed(app, world)
    with app.app_context(), app.test_request_context(method="POST"):
        number = random_id_number()
        enc, blind, mask = pii.seal(number, "id_number")
        person = Beneficiary(region_id=world["regions"]["qianwang"], name="钱多多", id_enc=enc, id_hash=blind, id_mask=mask)
        db.session.add(person)
        db.session.flush()
        policy = db.session.execute(select(SubsidyPolicy.id).where(SubsidyPolicy.name == "耕地地力保护补贴")).scalar()
        warning = RiskWarning(rule_code="subsidy_duplicate", subject_key=f"dup:{person.id}:{policy}:2026-03",
                              subject_type="beneficiary", region_id=world["regions"]["qianwang"], level="red",
                              status="open", fingerprint=uuid.uuid4().hex,
                              evidence={"person": "钱*多", "id_number": mask, "policy": "耕地地力保护补贴",
                                        "period": "2026-03", "payments": 2, "total": "1200.00"})
        db.session.add(warning)
        db.session.flush()
        ids = {"warning": warning.id, "person": person.id, "policy": policy}
        if held:
            ids["hold"] = holds.hold(db.session.get(User, world["users"]["lead"]), warning, person.id, policy,
                                     "重复发放，先停发").id
        db.session.commit()
        return ids


def task_with_file(app, world):
    """A task 农业农村局 signed for, with a PDF attached to its feedback; returns (task id, file id)."""
    import uuid

    from backend.core.models import User
    from backend.departments import files
    from backend.departments.models import DepartmentTask
    from backend.extensions import db
    from test_fund_receipts import pdf_bytes
    task_id = task_in(app, world, "signed")
    with app.app_context(), app.test_request_context(method="POST"):
        row = files.store(db.session.get(User, world["users"]["department"]), db.session.get(DepartmentTask, task_id),
                          uuid.uuid4(), "证明.pdf", pdf_bytes(f"({uuid.uuid4().hex})".encode()))
        db.session.commit()
        return task_id, row.id


def matrix_needs(app, world, what):
    """The authorization matrix's targets: a fresh department, a task in a state (or with a file on
    its feedback), a subsidy warning."""
    if what == "fresh":
        return {"dept": fresh_department(app, world)}
    if what == "with_file":
        task, file_id = task_with_file(app, world)
        return {"task": task, "task_file": file_id}
    if what in ("warning", "held"):
        return {"sw": subsidy_warning(app, world, held=what == "held")}
    return {"task": task_in(app, world, what)}
