// The one message table (zh-CN first, en second), the current language, and China-style formats.
const MESSAGES = {
  "zh-CN": {
    "app.name": "基财智控",
    "app.skip": "跳到正文",
    "app.loading": "加载中…",
    "app.offline": "当前离线，显示的是缓存内容",
    "app.notFound": "页面不存在",
    "app.home": "返回首页",
    "lang.switch": "EN",
    "lang.switchLabel": "EN — Switch to English",
    "nav.logout": "退出",

    "login.title": "登录",
    "login.lead": "乡镇财政一码通管",
    "login.username": "用户名",
    "login.password": "密码",
    "login.submit": "登录",
    "login.busy": "正在登录…",
    "login.required": "请输入用户名和密码",

    "home.title": "首页",
    "home.hello": "{name}",
    "home.scope": "{role} · {region}",
    "home.code": "输入或粘贴码",
    "home.codeHint": "14 位码，或以 /q/ 开头的链接",
    "home.open": "打开",
    "home.projects": "本辖区项目",
    "home.search": "搜索项目",
    "home.searchPlaceholder": "名称、编号或承建单位",
    "home.stageAll": "全部阶段",
    "home.stage": "阶段",
    "home.find": "搜索",
    "home.empty": "没有找到项目",
    "home.total": "共 {total} 个项目",
    "home.prev": "上一页",
    "home.next": "下一页",
    "home.page": "第 {page} / {pages} 页",
    "home.codeEmpty": "请先输入码",
    "home.labels": "打印本辖区二维码标牌",

    "role.admin": "系统管理员", "role.province": "省级财政", "role.city": "市级财政",
    "role.county": "县级财政", "role.township_lead": "乡镇负责人", "role.inspector": "巡查员",

    "stage.approved": "立项", "stage.tendering": "招投标", "stage.contracted": "合同",
    "stage.construction": "施工", "stage.acceptance": "验收", "stage.settlement": "结算",
    "stage.audit": "审计", "stage.archived": "归档",
    "stageShort.approved": "立项", "stageShort.tendering": "招投标", "stageShort.contracted": "合同",
    "stageShort.construction": "施工", "stageShort.acceptance": "验收", "stageShort.settlement": "结算",
    "stageShort.audit": "审计", "stageShort.archived": "归档",
    "stage.strip": "项目阶段",
    "stage.step": "第 {n}/8 阶段：{stage}",
    "stage.next": "，下一阶段：{stage}",

    "project.title": "项目",
    "project.refNo": "项目编号",
    "project.category": "类别",
    "project.budget": "预算",
    "project.paid": "已支付",
    "project.contract": "合同金额",
    "project.funding": "资金来源",
    "project.contractor": "承建单位",
    "project.site": "建设地点",
    "project.unit": "责任单位",
    "project.dates": "计划工期",
    "project.dateTo": "至",
    "project.progress": "进度",
    "project.description": "概况",
    "project.code": "项目码",
    "project.qrAlt": "项目二维码 {code}",
    "project.none": "—",
    "project.chainOk": "链完整 ✓",
    "project.chainBad": "链异常",
    "project.chainOkLong": "{n} 条生命周期记录，哈希链校验通过",
    "project.chainBadLong": "生命周期记录校验未通过：{problems}",
    "project.publicNote": "登录后查看完整信息",
    "project.signIn": "登录查看完整信息",
    "project.timeline": "生命周期",
    "project.actor": "操作人：{actor}",
    "project.moves": "阶段操作",
    "project.moveTo": "推进到「{stage}」",
    "project.moveBack": "退回「{stage}」",

    "ev.created": "项目立项：{name}，预算 {budget}",
    "ev.createdUnit": "，责任单位 {unit}",
    "ev.createdShort": "项目立项",
    "ev.stage": "阶段由「{from}」变更为「{to}」",
    "ev.stageContract": "，承建单位 {contractor}",
    "ev.stageAmount": "，合同金额 {amount}",
    "ev.note": "（备注：{note}）",
    "ev.payment": "支付 {amount}，资金来源：{source}",
    "ev.paymentFull": "，收款方 {payee}，凭证号 {voucher}",
    "ev.codeIssued": "发放项目码 {code}",
    "ev.codeRevoked": "作废码 {code}：{reason}",
    "ev.codeReissued": "补发新码 {new}，旧码 {old} 作废：{reason}",
    "ev.other": "{kind}",

    "move.title": "确认阶段变更",
    "move.confirm": "将项目阶段由「{from}」变更为「{to}」？此操作会记入不可篡改的生命周期。",
    "move.contractor": "承建单位（必填）",
    "move.amount": "合同金额（元）",
    "move.note": "备注（选填）",
    "move.ok": "确认变更",
    "move.cancel": "取消",
    "move.busy": "正在提交…",
    "move.done": "阶段已变更为「{stage}」",
    "move.needContractor": "请填写承建单位",
    "move.badAmount": "请输入正确的金额，如 331930.00",

    "unit.title": "管理单位",
    "unit.kind": "单位类型",
    "unit.region": "所属地区",
    "unit.address": "地址",
    "unit.head": "负责人",
    "unit.projects": "本单位项目（{n}）",

    "err.title": "出错了",
    "err.code_revoked": "此码已作废",
    "err.code_checksum": "码有误，请核对",
    "err.code_malformed": "码有误，请核对",
    "err.code_not_found": "未找到此码",
    "err.codeHint": "请核对标牌上的码后重新输入。",
    "err.revokedHint": "标牌可能已更换，请扫描现场的新码。",
    "err.network": "网络不可用，请稍后重试",
    "err.server": "服务器出错（{status}），请稍后重试",
    "err.retry": "重试",
  },
  en: {
    "app.name": "Jicai",
    "app.skip": "Skip to content",
    "app.loading": "Loading…",
    "app.offline": "You are offline; showing saved content",
    "app.notFound": "Page not found",
    "app.home": "Back to home",
    "lang.switch": "中",
    "lang.switchLabel": "中 — 切换到中文",
    "nav.logout": "Sign out",

    "login.title": "Sign in",
    "login.lead": "One code for every township project",
    "login.username": "Username",
    "login.password": "Password",
    "login.submit": "Sign in",
    "login.busy": "Signing in…",
    "login.required": "Enter your username and password",

    "home.title": "Home",
    "home.hello": "{name}",
    "home.scope": "{role} · {region}",
    "home.code": "Enter or paste a code",
    "home.codeHint": "14-character code, or a link containing /q/",
    "home.open": "Open",
    "home.projects": "Projects in my region",
    "home.search": "Search projects",
    "home.searchPlaceholder": "Name, number or contractor",
    "home.stageAll": "All stages",
    "home.stage": "Stage",
    "home.find": "Search",
    "home.empty": "No projects found",
    "home.total": "{total} projects",
    "home.prev": "Previous",
    "home.next": "Next",
    "home.page": "Page {page} of {pages}",
    "home.codeEmpty": "Enter a code first",
    "home.labels": "Print QR plaques for my region",

    "role.admin": "Administrator", "role.province": "Province supervisor", "role.city": "City supervisor",
    "role.county": "County supervisor", "role.township_lead": "Township lead", "role.inspector": "Inspector",

    "stage.approved": "Approved", "stage.tendering": "Tendering", "stage.contracted": "Contracted",
    "stage.construction": "Construction", "stage.acceptance": "Acceptance", "stage.settlement": "Settlement",
    "stage.audit": "Audit", "stage.archived": "Archived",
    "stageShort.approved": "Appr.", "stageShort.tendering": "Tender", "stageShort.contracted": "Contr.",
    "stageShort.construction": "Build", "stageShort.acceptance": "Accept", "stageShort.settlement": "Settle",
    "stageShort.audit": "Audit", "stageShort.archived": "Archive",
    "stage.strip": "Project stages",
    "stage.step": "Stage {n} of 8: {stage}",
    "stage.next": "; next: {stage}",

    "project.title": "Project",
    "project.refNo": "Reference no.",
    "project.category": "Category",
    "project.budget": "Budget",
    "project.paid": "Paid",
    "project.contract": "Contract amount",
    "project.funding": "Funding sources",
    "project.contractor": "Contractor",
    "project.site": "Site",
    "project.unit": "Responsible unit",
    "project.dates": "Planned period",
    "project.dateTo": "to",
    "project.progress": "Progress",
    "project.description": "Description",
    "project.code": "Project code",
    "project.qrAlt": "QR code of project {code}",
    "project.none": "—",
    "project.chainOk": "Chain intact ✓",
    "project.chainBad": "Chain broken",
    "project.chainOkLong": "{n} lifecycle records; hash chain verified",
    "project.chainBadLong": "Lifecycle records failed verification: {problems}",
    "project.publicNote": "Sign in to see the full record",
    "project.signIn": "Sign in for full details",
    "project.timeline": "Lifecycle",
    "project.actor": "By {actor}",
    "project.moves": "Stage actions",
    "project.moveTo": "Move to {stage}",
    "project.moveBack": "Send back to {stage}",

    "ev.created": "Project approved: {name}, budget {budget}",
    "ev.createdUnit": ", unit {unit}",
    "ev.createdShort": "Project approved",
    "ev.stage": "Stage changed from {from} to {to}",
    "ev.stageContract": "; contractor {contractor}",
    "ev.stageAmount": "; contract amount {amount}",
    "ev.note": " (note: {note})",
    "ev.payment": "Paid {amount} from {source}",
    "ev.paymentFull": " to {payee}, voucher {voucher}",
    "ev.codeIssued": "Code {code} issued",
    "ev.codeRevoked": "Code {code} revoked: {reason}",
    "ev.codeReissued": "New code {new} issued; old code {old} revoked: {reason}",
    "ev.other": "{kind}",

    "move.title": "Confirm stage change",
    "move.confirm": "Move this project from {from} to {to}? The change is written to the tamper-evident lifecycle.",
    "move.contractor": "Contractor (required)",
    "move.amount": "Contract amount (CNY)",
    "move.note": "Note (optional)",
    "move.ok": "Confirm",
    "move.cancel": "Cancel",
    "move.busy": "Submitting…",
    "move.done": "Stage changed to {stage}",
    "move.needContractor": "Enter the contractor",
    "move.badAmount": "Enter a valid amount, e.g. 331930.00",

    "unit.title": "Management unit",
    "unit.kind": "Kind",
    "unit.region": "Region",
    "unit.address": "Address",
    "unit.head": "Head",
    "unit.projects": "Projects of this unit ({n})",

    "err.title": "Something went wrong",
    "err.code_revoked": "This code has been revoked",
    "err.code_checksum": "This code looks mistyped",
    "err.code_malformed": "This code looks mistyped",
    "err.code_not_found": "Code not found",
    "err.codeHint": "Check the code on the plaque and enter it again.",
    "err.revokedHint": "The plaque may have been replaced; scan the new code on site.",
    "err.network": "No network connection; try again later",
    "err.server": "Server error ({status}); try again later",
    "err.retry": "Try again",
  },
};

const KEY = "jicai.lang";
export const LANGS = ["zh-CN", "en"];
let lang = LANGS.includes(localStorage.getItem(KEY)) ? localStorage.getItem(KEY) : "zh-CN";

export const getLang = () => lang;
/** The key of the server's error-message object ({zh, en}) for the current language. */
export const apiLang = () => (lang === "en" ? "en" : "zh");

export function setLang(next) {
  lang = LANGS.includes(next) ? next : "zh-CN";
  localStorage.setItem(KEY, lang);
  document.documentElement.lang = lang;
}

/** Translate ``key``, filling {name} placeholders from ``vars``; unknown keys fall back to zh-CN. */
export function t(key, vars = {}) {
  const text = MESSAGES[lang][key] ?? MESSAGES["zh-CN"][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (vars[name] ?? ""));
}

const money = new Intl.NumberFormat("zh-CN", { style: "currency", currency: "CNY" });
/** "2882800.00" → "¥2,882,800.00" (always the China format, whatever the UI language). */
export function formatMoney(value) {
  if (value === null || value === undefined || value === "") return t("project.none");
  const n = Number(value);
  return Number.isFinite(n) ? money.format(n) : String(value);
}

const day = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit" });
/** An ISO timestamp or a YYYY-MM-DD date → "2026-11-25" (China time). */
export function formatDate(value) {
  if (!value) return t("project.none");
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : day.format(d);
}

export const STAGES = ["approved", "tendering", "contracted", "construction", "acceptance", "settlement", "audit", "archived"];
