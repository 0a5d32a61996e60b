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
