"""How oversight answers look (JSON and CSV rows), built in one place."""
from ..bank.profiles import PROFILES
from ..core import clock
from ..imports.engine import KINDS
from .services import ACTION_NAMES, ACTIONS, SHOWN_DETAILS, group_of

SUBJECTS = {"risk_warnings": ("预警", "Warning", "/risks/{id}"), "import_runs": ("导入", "Import", "/imports"),
            "beneficiaries": ("补贴对象", "Beneficiary", "/subsidies/people/{id}"),
            "comments": ("留言", "Comment", None), "users": ("用户", "User", None),
            "payment_batches": ("支付批次", "Payment batch", "/bank/{id}")}
CSV_HEADER = ["时间", "类别", "操作", "操作人", "用户名", "地区", "对象", "原因及说明", "网络地址"]
# An entry's details as a supervisor reads them: named in words, the codes they hold too (which
# personal fields were revealed, which kind of data was imported or exported).
DETAIL_NAMES = {"reason": ("原因", "Reason"), "field": ("字段", "Fields"), "kind": ("数据", "Data"),
                "deleted": ("删除行数", "Rows deleted"), "profile": ("文件格式", "File format"),
                "lines": ("人数", "People")}
FIELD_NAMES = {"name": ("姓名", "name"), "id_number": ("身份证号", "ID number"), "bank_card": ("银行卡号", "bank card"),
               "phone": ("手机号", "phone")}


def _value(key, value):
    """(zh, en) of one detail's value: field codes and data kinds in words, anything else as written."""
    if key == "field":
        names = [FIELD_NAMES.get(f.strip(), (f.strip(), f.strip())) for f in str(value).split(",")]
        return "、".join(zh for zh, _ in names), ", ".join(en for _, en in names)
    if key == "kind" and value in KINDS:
        return KINDS[value].title
    if key == "profile" and value in PROFILES:
        return PROFILES[value]["name_zh"], PROFILES[value]["name_en"]
    return str(value), str(value)


def note(details):
    """{"zh", "en"}: the details shown (the user name has its own column), each as 名称：值."""
    parts = [(DETAIL_NAMES.get(k, (k, k)), _value(k, v)) for k, v in details.items() if k != "username"]
    return {"zh": "；".join(f"{n[0]}：{v[0]}" for n, v in parts),
            "en": "; ".join(f"{n[1]}: {v[1]}" for n, v in parts)}


def action_name(action):
    if action in ACTION_NAMES:
        return ACTION_NAMES[action]
    group = group_of(action)
    return ACTIONS[group]["name"] if group else (action, action)


def entry(log, user, region):
    details = {k: v for k, v in (log.details or {}).items() if k in SHOWN_DETAILS}
    group = group_of(log.action)
    zh, en = action_name(log.action)
    subject = None
    if log.subject_type:
        what = SUBJECTS.get(log.subject_type, (log.subject_type, log.subject_type, None))
        subject = {"type": log.subject_type, "id": log.subject_id, "name_zh": f"{what[0]} #{log.subject_id}",
                   "name_en": f"{what[1]} #{log.subject_id}",
                   "link": what[2].format(id=log.subject_id) if what[2] else None}
    return {"id": log.id, "at": log.at, "action": log.action, "kind": group,
            "kind_name": {"zh": ACTIONS[group]["name"][0], "en": ACTIONS[group]["name"][1]} if group else None,
            "action_name": {"zh": zh, "en": en},
            "user": {"id": user.id, "username": user.username, "display_name": user.display_name} if user else None,
            "region": {"id": region.id, "code": region.code, "name": region.name} if region else None,
            "subject": subject, "details": details, "note": note(details), "ip": log.ip}


def csv_row(log, user, region):
    e = entry(log, user, region)
    details = e["details"]
    return [clock.as_utc(log.at).astimezone(clock.CHINA).strftime("%Y-%m-%d %H:%M:%S"),
            e["kind_name"]["zh"] if e["kind_name"] else "", e["action_name"]["zh"],
            user.display_name if user else "", user.username if user else details.get("username", ""),
            region.name if region else "", e["subject"]["name_zh"] if e["subject"] else "", e["note"]["zh"], log.ip or ""]
