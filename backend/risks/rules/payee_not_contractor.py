"""A project's payment made out to a company other than its contractor."""
from sqlalchemy import select

from ...extensions import db
from ...projects.models import Project, ProjectPayment
from . import Hit, yuan

CODE = "payee_not_contractor"
NAME_ZH, NAME_EN = "收款方非承建单位", "Payee is not the contractor"
LEVEL = "orange"
DESCRIPTION_ZH = ("项目款支付给了合同承建单位以外的单位：可能是转包、挂靠或资金被挪用。公司名称的全角/半角、"
                  "中英文括号、“有限责任公司”与“有限公司”等写法差别不算。更正收款方或承建单位后自动解除。")
DESCRIPTION_EN = ("A project payment went to a company other than the contracted one: possible subcontracting, "
                  "a borrowed licence, or diverted money. Ways of writing the same name (full/half width, "
                  "brackets, 有限责任公司 vs 有限公司) do not count. Cleared once the payee or the contractor is corrected.")
THRESHOLDS = ()
LABELS = {"contractor": ("承建单位", "Contractor"), "payee": ("收款方", "Payee"),
          "payments": ("支付笔数", "Payments"), "total": ("金额合计", "Total"),
          "vouchers": ("凭证号", "Vouchers"), "first_paid_on": ("最早支付日期", "First paid on")}
PER_PROJECT = True
VOLATILE = ()
SHOWN_VOUCHERS = 10


def find(ctx):
    # Both keys are stored with the names (``companies.company_key``), so this is one indexed
    # join that returns the mismatched payments only.
    rows = db.session.execute(
        select(Project.id, Project.region_id, Project.contractor, ProjectPayment.payee_key,
               ProjectPayment.payee, ProjectPayment.voucher_no, ProjectPayment.amount, ProjectPayment.paid_on)
        .join(ProjectPayment, ProjectPayment.project_id == Project.id)
        .where(*ctx.scope(project=Project.id, region=Project.region_id),
               Project.contractor_key.is_not(None), ProjectPayment.payee_key.is_not(None),
               ProjectPayment.payee_key != Project.contractor_key)
        .order_by(Project.id, ProjectPayment.payee_key, ProjectPayment.paid_on, ProjectPayment.voucher_no))
    groups = {}
    for pid, region_id, contractor, key, payee, voucher, amount, paid_on in rows:
        group = groups.setdefault((pid, key), {"region_id": region_id, "contractor": contractor, "payee": payee,
                                               "vouchers": [], "total": 0, "first": paid_on})
        group["vouchers"].append(voucher)
        group["total"] += amount
    for (pid, key), g in groups.items():
        shown = g["vouchers"][:SHOWN_VOUCHERS] + (["…"] if len(g["vouchers"]) > SHOWN_VOUCHERS else [])
        yield Hit(f"project:{pid}:payee:{key}"[:200], "project", g["region_id"], pid, {
            "contractor": g["contractor"], "payee": g["payee"], "payments": len(g["vouchers"]),
            "total": ctx.money(g["total"]), "vouchers": "、".join(shown), "first_paid_on": g["first"].isoformat()})


def explain(e):
    return (f"{e['payments']} 笔支付（凭证 {e['vouchers']}，合计 ¥{yuan(e['total'])}）付给了「{e['payee']}」，"
            f"而合同承建单位是「{e['contractor']}」",
            f"{e['payments']} payment(s) (vouchers {e['vouchers']}, ¥{yuan(e['total'])} in all) went to "
            f"“{e['payee']}”, but the contractor is “{e['contractor']}”")
