// Pieces shared by the views: stage badge, labelled facts, full-page messages, risk level and
// rectification badges, photo thumbnails with a large view, a bottom-sheet form, one write via the outbox,
// and what every list has: the region filter (?region=) and the township (and county) of each item.
import { api } from "../api.js";
import { checkCode } from "../codes.js";
import { fill, h } from "../dom.js";
import { apiLang, formatDate, t } from "../i18n.js";
import * as outbox from "../outbox.js";
import { regionPicker } from "../region-picker.js";

export const stageBadge = (stage, testid) =>
  h("span", { class: "badge", "data-stage": stage, "data-testid": testid }, t(`stage.${stage}`));

/** 350 米 / 1.2 公里 (empty when unknown). */
export function formatDistance(m) {
  if (m === null || m === undefined || !Number.isFinite(Number(m))) return "";
  const n = Number(m);
  return n < 1000 ? t("dist.m", { n: Math.round(n) }) : t("dist.km", { n: (n / 1000).toFixed(n < 10000 ? 1 : 0) });
}

/** A <dl> row; rows whose value is empty are left out. */
export function fact(label, value, attrs = {}) {
  if (value === null || value === undefined || value === "") return null;
  return h("div", { class: "fact", ...attrs }, h("dt", {}, label), h("dd", {}, value));
}

/** A friendly full-page message for a failed load; code errors get their own titles. */
export function errorPage(err, ctx) {
  const code = err && err.code;
  const known = ["code_revoked", "code_replaced", "code_checksum", "code_malformed", "code_not_found"].includes(code);
  const gone = code === "code_revoked" || code === "code_replaced";
  const title = known ? t(`err.${code}`) : t("err.title");
  const hint = code === "code_revoked" ? t("err.revokedHint") : known && !gone ? t("err.codeHint") : null;
  // A damaged plaque was replaced: the old code names the new one.
  const successor = code === "code_replaced" && ((err.fields || []).find((f) => f.path === "replaced_by") || {}).message;
  ctx && ctx.setTitle(title);
  return h("section", { class: "page-msg", "data-testid": "error", "data-code": code || "" },
    h("div", { class: "page-msg-icon", "aria-hidden": "true" }, gone ? "⊘" : "!"),
    h("h1", { tabindex: "-1" }, title),
    h("p", { class: "page-msg-detail" }, (err && err.message) || ""),
    hint && h("p", {}, hint),
    h("div", { class: "actions" },
      code === "network" || (err && err.status >= 500)
        ? h("button", { type: "button", class: "btn", onclick: () => location.reload() }, t("err.retry")) : null,
      // A wrong code is typed again or scanned again — also by a villager who is not signed in.
      successor ? h("a", { href: `/q/${successor}`, "data-link": "", class: "btn btn-primary", "data-testid": "error-successor" },
        t("err.openNewCode")) : null,
      known && !gone ? h("a", { href: "/scan", "data-link": "", class: "btn", "data-testid": "error-scan" },
        t("err.scanAgain")) : null,
      ctx && ctx.session && !ctx.session.user && known
        ? null : h("a", { href: "/", "data-link": "", class: "btn btn-primary" }, t("app.home"))));
}

/** An inline error box (forms). */
export const errorBox = () => h("p", { class: "error-box", "data-testid": "error", role: "alert", hidden: true });
export function showError(box, message) {
  box.textContent = message || "";
  box.hidden = !message;
}

// ---- risk warnings and rectifications ---------------------------------------------------------------

/** 红 / 橙 / 黄 as a coloured chip (the colour is never the only signal: the word is there too). */
export const levelBadge = (level, testid = "risk-level") =>
  h("span", { class: "level", "data-level": level, "data-testid": testid }, t(`level.${level}`));

export const rectBadge = (status, testid = "rect-status") =>
  h("span", { class: "rstatus", "data-status": status, "data-testid": testid }, t(`rectStatus.${status}`));

/** A text in the current language from a {zh, en} object or a pair of fields ``x_zh`` / ``x_en``. */
export function local(obj, field) {
  if (!obj) return "";
  const en = document.documentElement.lang === "en";
  if (field) return (en ? obj[`${field}_en`] : obj[`${field}_zh`]) || obj[`${field}_zh`] || obj[`${field}_en`] || "";
  return (en ? obj.en : obj.zh) || obj.zh || obj.en || "";
}

/** Server photos as thumbnails; a tap shows the photo large in a dialog (no new tab on a phone). */
export function photoGrid(photos, testid = "photo") {
  if (!photos || !photos.length) return null;
  return h("ul", { class: "pgrid" }, photos.map((ph) => h("li", {},
    h("button", { type: "button", class: "pgrid-btn", "aria-label": t("rects.photoLarge"), "data-testid": testid,
      onclick: () => showLarge(ph) },
    h("img", { src: ph.thumb_url || ph.url, alt: t("rects.photoAlt", { when: ph.taken_at ? formatDate(ph.taken_at) : "" }),
      width: 96, height: 96, loading: "lazy" }),
    ph.reused ? h("span", { class: "flag warn pgrid-flag", title: t("rects.photoReused") }, "!") : null))));
}

function showLarge(ph) {
  const dialog = h("dialog", { class: "lightbox", "data-testid": "lightbox", "aria-label": t("rects.photoLarge") });
  const close = () => { dialog.close(); dialog.remove(); };
  dialog.append(
    h("img", { src: ph.url, alt: t("rects.photoAlt", { when: ph.taken_at ? formatDate(ph.taken_at) : "" }), onclick: close }),
    h("p", { class: "lightbox-meta" }, ph.taken_at ? formatDate(ph.taken_at) : "", ph.sha256 ? h("code", {}, ` #${ph.sha256.slice(0, 10)}`) : "",
      ph.reused ? h("span", { class: "flag warn" }, ` ${t("rects.photoReused")}`) : ""),
    h("button", { type: "button", class: "btn btn-block", "data-testid": "lightbox-close", onclick: close }, t("rects.close")));
  dialog.addEventListener("cancel", () => setTimeout(() => dialog.remove()));
  document.body.append(dialog);
  dialog.showModal();
}

/**
 * A bottom sheet with a form: ``fields`` are elements; ``onOk()`` returns an error message (stays
 * open) or nothing (closes). The OK button is disabled while onOk runs.
 */
export function sheet({ title, intro, fields = [], okText, okClass = "btn btn-primary", testid = "sheet", onOk }) {
  const error = errorBox();
  const ok = h("button", { type: "submit", class: okClass, "data-testid": `${testid}-ok` }, okText || t("rectAct.ok"));
  const dialog = h("dialog", { class: "sheet", "aria-labelledby": `${testid}-h`, "data-testid": testid });
  const close = () => { dialog.close(); dialog.remove(); };
  dialog.append(h("form", { class: "form", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    showError(error, "");
    ok.disabled = true;
    const label = ok.textContent;
    ok.textContent = t("rectAct.busy");
    let problem;
    try { problem = await onOk({ close, error }); } catch (err) { problem = (err && err.message) || t("err.title"); }
    ok.disabled = false;
    ok.textContent = label;
    if (problem) showError(error, problem);
    else if (dialog.isConnected) close();
  } },
  h("h2", { id: `${testid}-h` }, title),
  intro ? h("p", {}, intro) : null,
  fields, error,
  h("div", { class: "row" }, h("button", { type: "button", class: "btn", onclick: close }, t("move.cancel")), ok)));
  dialog.addEventListener("cancel", () => setTimeout(() => dialog.remove()));
  document.body.append(dialog);
  dialog.showModal();
  const first = dialog.querySelector("textarea, input, select");
  if (first) first.focus();
  return dialog;
}

const errText = (m) => (m && typeof m === "object" ? m[apiLang()] || m.zh || "" : m || "");

/**
 * Send one write through the outbox and wait for its fate: {state: "sent", body} | {state: "queued"}
 * (offline: it goes later by itself) | {state: "failed", code, message} (refused by the server: the
 * entry is taken out of the failed list because the screen says so right here).
 */
export async function sendWrite(entry) {
  const result = await outbox.sendNow(entry);
  if (result.state !== "failed") return result;
  const e = result.entry;
  await outbox.discardFailed(e.id);
  return { state: "failed", code: e.error_code || "", status: e.last_status, message: errText(e.last_error) || t("err.title") };
}

/** The code box: type or paste a plaque's code (or a link, or a message with the link in it). A
 * mistyped code is caught here, before any request; ``before`` goes above it (the 扫码 button). */
export function codeForm(ctx, { className = "dock", before = null } = {}) {
  const codeInput = h("input", { id: "code", name: "code", inputmode: "text", autocomplete: "off", autocapitalize: "characters",
    spellcheck: "false", placeholder: "ABCD-EFGH-JKMN-PQ", "aria-describedby": "code-hint", "data-testid": "code-input" });
  const codeError = errorBox();
  codeInput.addEventListener("input", () => showError(codeError, ""));
  const form = h("form", { class: className, role: "search", "aria-label": t("home.code"), novalidate: true, onsubmit: (event) => {
    event.preventDefault();
    const checked = checkCode(codeInput.value);
    if (checked.reason === "empty") return showError(codeError, t("home.codeEmpty"));
    if (!checked.ok) {
      codeError.dataset.code = `code_${checked.reason}`;
      codeInput.focus();
      return showError(codeError, checked.reason === "length"
        ? t("err.code_length", { n: checked.length, more: checked.length < 14 ? t("err.code_short") : t("err.code_long") })
        : t("err.code_checksum"));
    }
    ctx.navigate("/q/" + encodeURIComponent(checked.code));
  } },
  before,
  h("label", { for: "code", class: "dock-label" }, t("home.code")),
  h("div", { class: "row" }, codeInput,
    h("button", { type: "submit", class: "btn", "data-testid": "code-open" }, t("home.open"))),
  h("small", { id: "code-hint", class: "muted" }, t("home.codeHint")),
  codeError);
  form.focusInput = () => codeInput.focus();
  return form;
}

// ---- lists: the region filter and where each item lies ----------------------------------------------

/** The region chosen in the address (?region=id; the cockpit's links say ?region_id=), or "": what a
 * list sends as ``region_id``. */
export function regionParam(ctx) {
  const id = ctx.query.get("region") || ctx.query.get("region_id") || "";
  return /^[1-9]\d{0,9}$/.test(id) ? id : "";
}

/** This screen's address with ?region= set (or dropped), back on the first page. */
function withRegion(id) {
  const qs = new URLSearchParams(location.search);
  if (id) qs.set("region", id); else qs.delete("region");
  qs.delete("region_id");
  qs.delete("page");
  qs.delete("after"); // a position in the list before the choice
  return location.pathname + (qs.toString() ? "?" + qs : "");
}

const LEVELS = ["province", "city", "county", "township", "village"];

/**
 * A list's region filter: the region picker (type part of a name or code, or step down the tree),
 * so a city or province user reaches any county, township or village under them, past any first
 * page. The choice is the address (?region=id: shareable, the browser's back button undoes it); the
 * list sends it as ``region_id``, that region and everything under it. 清除 goes back to "all".
 */
export function regionFilter(ctx, testid = "region-filter") {
  const me = ctx.session.user;
  if (!me.region) return null;
  const chosen = regionParam(ctx);
  const all = t("lists.regionAll", { region: me.region.name || "" });
  const picker = regionPicker({
    id: testid, testid, label: t("lists.region"), root: me.region, none: all,
    levels: LEVELS.slice(LEVELS.indexOf(me.region.level) + 1),
    value: chosen ? { id: Number(chosen), name: `#${chosen}`, ancestors: [] } : null,
    onChange: (region) => ctx.navigate(withRegion(region ? String(region.id) : "")),
  });
  const clear = h("button", { type: "button", class: "btn btn-small rp-clear", hidden: !chosen, "data-testid": `${testid}-clear`,
    onclick: () => ctx.navigate(withRegion("")) }, t("lists.regionClear", { region: me.region.name || "" }));
  // The chosen region's path arrives after the list; offline, "#id" stays and 清除 still works.
  if (chosen) api(`/regions/${chosen}`).then((region) => picker.set(region)).catch(() => {});
  // The choice and 清除 on one line (beside the chosen line, which is redrawn on every choice).
  const line = picker.el.querySelector(".rp-chosen");
  const head = h("div", { class: "rp-filter-head" });
  line.replaceWith(head);
  head.append(line, clear);
  return h("div", { class: "region-filter" }, picker.el);
}

/** Where a list item lies: its township, and its county for city and province users ("" when above). */
export function placeText(item, user) {
  const wide = user && user.region && ["province", "city"].includes(user.region.level);
  return [wide && item.county ? item.county.name : null, item.township ? item.township.name : null]
    .filter(Boolean).join(" · ");
}

export const placeTag = (item, user) => {
  const text = placeText(item, user);
  return text ? h("span", { class: "place", "data-testid": "item-place" }, text) : null;
};

// A list's count as its last numbered page gave it, by the list's address without its page: a page
// by key (下一页) counts nothing, and says the count the list's first page said.
const counts = new Map();
const listKey = () => {
  const qs = new URLSearchParams(location.search);
  qs.delete("page");
  qs.delete("after");
  return location.pathname + "?" + qs;
};
const remembered = (data) => (data.total == null ? counts.get(listKey()) : null);

/** How many pages a list has as far as the server counted. It stops counting at 1,000 rows
 * (``total_capped``); then there is one more page for as long as the list goes on. On a page by
 * key: the count the list's numbered page gave, or null (not known, or more than were counted). */
export function pagesOf(data, perPage) {
  if (data.total == null) {
    const seen = remembered(data);
    return seen && !seen.capped ? Math.max(1, Math.ceil(seen.total / (data.per_page || perPage))) : null;
  }
  counts.set(listKey(), { total: data.total, capped: Boolean(data.total_capped) });
  const counted = Math.max(1, Math.ceil((data.total || 0) / (data.per_page || perPage)));
  return data.total_capped && data.next ? Math.max(counted, (data.page || 1) + 1) : counted;
}

/** A list's total as shown: "1000+" when the server stopped counting; on a page by key, what the
 * list's numbered page said ("…" when this page was opened from a link). */
export function totalOf(data) {
  const seen = data.total == null ? remembered(data) : { total: data.total, capped: data.total_capped };
  if (!seen) return "…";
  return seen.capped ? `${seen.total}+` : seen.total || 0;
}

/** A list's pager: 上一页 · 第 N / M 页 · 下一页. 下一页 carries the page's ``next`` (``after``): the
 * server seeks past the last row shown by the list's own order and index instead of counting past
 * every earlier row, so the 300th page costs what the first does; the page's number rides along in
 * the address. 上一页 carries the page's ``prev`` the same way (the server seeks backwards from the
 * page's first row); back to the first page, or on a page that has no ``prev`` (an address with only
 * its number), it asks by number. ``href({page, after})`` makes the screen's address (an empty
 * value drops the parameter). */
export function pager(data, page, perPage, href) {
  const pages = pagesOf(data, perPage);
  if (page <= 1 && !data.next) return null;
  const label = pages ? t("home.page", { page, pages: Math.max(pages, page) }) : t("home.pageOf", { page });
  return h("nav", { class: "pager", "aria-label": label, "data-testid": "pager" },
    page > 1 ? h("a", { href: href({ page: page - 1 > 1 ? page - 1 : "", after: page - 1 > 1 && data.prev || "" }),
      "data-link": "", class: "btn", rel: "prev" }, t("home.prev")) : h("span"),
    h("span", { class: "muted", "data-testid": "pager-page" }, label),
    data.next ? h("a", { href: href({ page: page + 1, after: data.next }), "data-link": "", class: "btn", rel: "next" }, t("home.next")) : h("span"));
}

/** ``pager``'s ``href`` for a screen whose address holds its filters as they are: this address with
 * the page asked for (its filters untouched, so the count its numbered page gave is remembered). */
export function pageHref({ page, after }) {
  const qs = new URLSearchParams(location.search);
  qs.delete("page");
  qs.delete("after");
  if (page > 1) qs.set("page", page);
  if (after) qs.set("after", after);
  return location.pathname + (qs.toString() ? "?" + qs : "");
}

/** The page a list's address asks for: its number (for the pager) and ``after`` (a page by key). */
export function pageAsked(ctx) {
  return { page: Math.max(1, parseInt(ctx.query.get("page"), 10) || 1), after: ctx.query.get("after") || undefined };
}

/** 导出 Excel / 导出 CSV: download links for a list's export with the list's current filters
 * (``query``: the filters the list was asked with; paging is dropped). GET /api/v1/<path>/export. */
export function exportLinks(path, query = {}, testid = "export") {
  const qs = new URLSearchParams(Object.entries(query)
    .filter(([k, v]) => v !== "" && v != null && !["page", "per_page", "after"].includes(k)));
  const link = (format, label) => {
    const q = new URLSearchParams(qs);
    q.set("format", format);
    return h("a", { href: `/api/v1${path}/export?${q}`, download: "", class: "btn btn-small", rel: "nofollow",
      "data-testid": `${testid}-${format}` }, t(label));
  };
  return h("span", { class: "export-links", "data-testid": testid }, link("xlsx", "export.excel"), link("csv", "export.csv"));
}
