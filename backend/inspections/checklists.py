"""What an inspector checks, by project stage. Keys are stable (stored with each inspection);
the wording is for people."""

_COMMON = [("sign_posted", "项目公示牌、二维码标牌完好", "Project notice board and QR plaque in place")]

STAGE_ITEMS = {
    "approved": [("site_matches_plan", "现场位置与立项批复一致", "Site matches the approved plan"),
                 ("no_early_works", "未提前开工", "No works started before tendering")],
    "tendering": [("no_early_works", "招投标期间未提前进场施工", "No works on site during tendering"),
                  ("tender_notice", "招标公告已公示", "Tender notice is published")],
    "contracted": [("contractor_matches", "进场单位与中标单位一致", "Contractor on site is the one that won the tender"),
                   ("permits_ready", "开工手续齐全", "Permits for starting work are complete")],
    "construction": [("contractor_matches", "施工单位与合同一致", "Contractor on site matches the contract"),
                     ("progress_matches_payment", "形象进度与已付款相符", "Physical progress matches what was paid"),
                     ("materials_as_specified", "材料与设计一致", "Materials as specified"),
                     ("site_safety", "安全文明施工", "Site is safe and orderly"),
                     ("supervisor_present", "监理在岗", "Site supervisor present")],
    "acceptance": [("works_complete", "工程量已全部完成", "All works are complete"),
                   ("quality_ok", "质量无明显缺陷", "No visible quality defects"),
                   ("acceptance_records", "验收资料齐全", "Acceptance records are complete")],
    "settlement": [("as_built_matches", "实际完成量与结算一致", "Works built match the settlement"),
                   ("no_extra_claims", "无虚增工程量", "No inflated quantities")],
    "audit": [("in_use", "项目已投入使用", "The project is in use"),
              ("defects_fixed", "审计问题已整改", "Audit findings are fixed")],
    "archived": [("in_use", "项目正常使用", "The project is in normal use"),
                 ("maintained", "有管护责任人", "Someone is responsible for upkeep")],
}


def for_stage(stage):
    return [{"key": k, "zh": zh, "en": en} for k, zh, en in STAGE_ITEMS[stage] + _COMMON]


def all_stages():
    return {stage: for_stage(stage) for stage in STAGE_ITEMS}


def keys_for(stage):
    return {item["key"] for item in for_stage(stage)}
