"""How oversight answers look (JSON and CSV rows), built in one place."""
from ..core import clock
from .services import ACTION_NAMES, ACTIONS, SHOWN_DETAILS, group_of

SUBJECTS = {"risk_warnings": ("预警", "Warning", "/risks/{id}"), "import_runs": ("导入", "Import", "/imports"),
            "beneficiaries": ("补贴对象", "Beneficiary", "/subsidies/people/{id}"),
            "comments": ("留言", "Comment", None), "users": ("用户", "User", None)}
CSV_HEADER = ["时间", "类别", "操作", "操作人", "用户名", "地区", "对象", "原因及说明", "网络地址"]


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
            "region": {"id": region.id, "code": region.code, "name": region.name},
            "subject": subject, "details": details, "ip": log.ip}


def csv_row(log, user, region):
    e = entry(log, user, region)
    details = e["details"]
    note = "；".join(f"{k}：{v}" for k, v in details.items() if k != "username")
    return [clock.as_utc(log.at).astimezone(clock.CHINA).strftime("%Y-%m-%d %H:%M:%S"),
            e["kind_name"]["zh"] if e["kind_name"] else "", e["action_name"]["zh"],
            user.display_name if user else "", user.username if user else details.get("username", ""),
            region.name, e["subject"]["name_zh"] if e["subject"] else "", note, log.ip or ""]
