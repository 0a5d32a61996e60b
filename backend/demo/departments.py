"""The demo's departments (临安区农业农村局, 民政局, 人力社保局, 残联, 林业局), their official
``dept_nongye`` (农业农村局), and two tasks: one routed to 农业农村局 by the system, one to 锦城街道."""
from datetime import timedelta

from ..auth.services import create_user
from ..core import clock
from ..departments import services

# (name as the policies' 主管部门 ends, code)
DEPARTMENTS = [("农业农村局", "330112-NYNC"), ("民政局", "330112-MZ"), ("人力社保局", "330112-RS"),
               ("残联", "330112-CL"), ("林业局", "330112-LY")]


def load(users, made, password):
    county, admin = users["linan_sup"], users["admin"]
    region = made["临安区"]
    depts = {name: services.create_department(county, region.id, name, code) for name, code in DEPARTMENTS}
    users["dept_nongye"] = create_user(admin, "dept_nongye", "临安区农业农村局 孙丽", password, "department", region.id,
                                       department_id=depts["农业农村局"].id)
    today = clock.today()
    services.dispatch("payment_failure", None, made["锦城街道"].id, depts["农业农村局"].id,
                      "耕地地力保护补贴发放失败（户名不符）：请核对钱王社区补贴对象的户名与银行卡",
                      "Farmland subsidy payment failed (name mismatch): check the beneficiary's name and card",
                      today + timedelta(days=5))
    services.dispatch("payment_failure", None, made["锦城街道"].id, None,
                      "养老金发放失败（账户已销户）：请联系本人更新银行卡",
                      "Pension payment failed (account closed): ask the person to update their card",
                      today + timedelta(days=3), actor=county)
    return len(depts)
