// /regions: the region tree under the user's own region — drill down level by level or search by
// name or code; merged and abolished divisions are shown with their successor and every region's
// history (renames, mergers) on its sheet. Administrators add a division by hand and rename one
// (audited on the server); the official table is imported with the regions importer.
import { api } from "../api.js";
import { h } from "../dom.js";
import { formatDate, t } from "../i18n.js";
import { uuid } from "../outbox.js";
import { errorPage, sheet } from "./common.js";

const STATUSES = ["active", "all", "abolished"];
const BELOW = { province: "city", city: "county", county: "township", township: "village" };

export async function renderRegions(ctx) {
  const me = ctx.session.user;
  ctx.setTitle(t("regions.title"));
  const q = (ctx.query.get("q") || "").trim();
  const status = STATUSES.includes(ctx.query.get("status")) ? ctx.query.get("status") : "all";
  const parentId = Number(ctx.query.get("parent")) || (me.region && me.region.id);
  let parent, list;
  try {
    [parent, list] = await Promise.all([
      api(`/regions/${parentId}`),
      api("/regions", { query: { ...(q ? { q } : { parent_id: parentId }), status, per_page: 100 } }),
    ]);
  } catch (err) {
    return errorPage(err, ctx);
  }
  const reload = () => ctx.navigate(location.pathname + location.search, { replace: true });
  const url = (params) => `/regions?${new URLSearchParams({ status, ...params })}`;
  const qInput = h("input", { id: "regions-q", type: "search", maxlength: 40, value: q, placeholder: t("regions.searchPlaceholder"),
    autocomplete: "off", maxlength: 40, "data-testid": "regions-q" });
  const statusSelect = h("select", { id: "regions-status", "aria-label": t("regions.status"), "data-testid": "regions-status" },
    STATUSES.map((s) => h("option", { value: s, selected: s === status }, t(`regions.status.${s}`))));
  const search = h("form", { class: "users-search", role: "search", onsubmit: (event) => {
    event.preventDefault();
    const params = { parent: String(parentId), status: statusSelect.value };
    if (qInput.value.trim()) params.q = qInput.value.trim();
    ctx.navigate(`/regions?${new URLSearchParams(params)}`);
  } },
  h("label", { for: "regions-q" }, t("regions.search")),
  h("div", { class: "row" }, qInput, statusSelect, h("button", { type: "submit", class: "btn" }, t("home.find"))));
  statusSelect.addEventListener("change", () => search.requestSubmit());
  const chain = [...parent.ancestors, parent];
  const own = chain.findIndex((r) => me.region && r.id === me.region.id);
  const crumbs = own > 0 ? chain.slice(own) : chain; // nothing above one's own region (it would be refused)
  const admin = me.role === "admin";
  return h("div", { class: "users regions wide" },
    h("h1", { tabindex: "-1" }, t("regions.title")),
    h("p", { class: "muted" }, t("regions.lead")),
    h("nav", { class: "crumbs", "aria-label": t("regions.path"), "data-testid": "regions-crumbs" },
      crumbs.map((r, i) => [i ? " › " : "", h("a", { href: url({ parent: String(r.id) }), "data-link": "" }, r.name)])),
    search,
    h("div", { class: "row" },
      admin && BELOW[parent.level] && parent.status === "active"
        ? h("button", { type: "button", class: "btn", "data-testid": "region-add", onclick: () => addSheet(parent, reload) },
          t("regions.add", { level: t(`regions.level.${BELOW[parent.level]}`) }))
        : null,
      h("a", { href: "/users", "data-link": "", class: "btn" }, t("users.title"))),
    h("p", { class: "muted", "aria-live": "polite" }, q ? t("regions.found", { n: list.total }) : t("regions.children", { n: list.total })),
    list.items.length
      ? h("ul", { class: "user-list", "data-testid": "region-list" },
        h("li", { class: "user region-head user-head", "aria-hidden": "true" },
          h("span", {}, t("regions.col.name")), h("span", {}, t("regions.col.level")), h("span", {}, t("regions.col.code")),
          h("span", {}, t("regions.col.status")), h("span", {}, t("users.col.actions"))),
        list.items.map((r) => regionRow(r, admin, url, reload)))
      : h("p", { class: "empty" }, t("regions.empty")),
  );
}

function statusText(r) {
  if (r.status === "active") return t("regions.active");
  return r.successor ? t("regions.mergedInto", { name: r.successor.name }) : t("regions.abolished");
}

function regionRow(r, admin, url, reload) {
  return h("li", { class: "user card", "data-testid": "region", "data-code": r.code, "data-status": r.status },
    h("span", { class: "user-name" }, r.level !== "village"
      ? h("a", { href: url({ parent: String(r.id) }), "data-link": "" }, h("strong", {}, r.name))
      : h("strong", {}, r.name)),
    h("span", {}, t(`regions.level.${r.level}`)),
    h("span", { class: "muted mono" }, r.code),
    h("span", {}, h("span", { class: r.status === "active" ? "pstatus" : "pstatus off", "data-testid": "region-status" }, statusText(r)),
      r.valid_until ? h("span", { class: "muted small" }, " ", t("regions.until", { day: formatDate(r.valid_until) })) : null),
    h("span", { class: "user-actions" },
      h("button", { type: "button", class: "btn btn-small", "data-testid": "region-history", onclick: () => historySheet(r) }, t("regions.history")),
      admin && r.status === "active"
        ? h("button", { type: "button", class: "btn btn-small", "data-testid": "region-rename", onclick: () => renameSheet(r, reload) }, t("regions.rename"))
        : null));
}

async function historySheet(r) {
  let detail;
  try {
    detail = await api(`/regions/${r.id}`);
  } catch (err) {
    detail = { changes: [], predecessors: [], error: err.message };
  }
  const line = (c) => h("li", { "data-testid": "region-change" },
    h("span", { class: "muted" }, formatDate(c.effective_on)), " ",
    t(`regions.change.${c.kind}`, { old: c.old_name || "", new: c.new_name || "", successor: c.successor ? c.successor.name : "" }),
    c.year ? h("span", { class: "muted small" }, " ", t("regions.tableYear", { year: c.year })) : null,
    c.note ? h("span", { class: "muted small" }, " · ", c.note) : null);
  sheet({
    title: t("regions.historyTitle", { name: r.name }), testid: "region-history-sheet", okText: t("users.done"),
    intro: detail.error || `${r.code} · ${statusText(r)}`,
    fields: [
      detail.changes.length ? h("ul", { class: "plain" }, detail.changes.map(line)) : h("p", { class: "muted" }, t("regions.noHistory")),
      detail.predecessors.length
        ? h("p", {}, t("regions.predecessors", { names: detail.predecessors.map((p) => p.name).join("、") }))
        : null,
    ],
    onOk: async ({ close }) => { close(); return null; },
  });
}

function addSheet(parent, reload) {
  const key = uuid();
  const level = BELOW[parent.level];
  const code = h("input", { id: "ra-code", inputmode: "numeric", maxlength: 12, required: true, value: parent.code.replace(/0+$/, ""),
    pattern: "\\d{12}", autocomplete: "off", "data-testid": "region-add-code" });
  const name = h("input", { id: "ra-name", maxlength: 64, required: true, autocomplete: "off", "data-testid": "region-add-name" });
  sheet({
    title: t("regions.addTitle", { level: t(`regions.level.${level}`), parent: parent.name }), testid: "region-add-sheet", okText: t("regions.addOk"),
    intro: t("regions.addIntro"),
    fields: [h("label", { for: "ra-code" }, t("regions.col.code")), code, h("label", { for: "ra-name" }, t("regions.col.name")), name],
    onOk: async () => {
      if (!/^\d{12}$/.test(code.value.trim())) { code.focus(); return t("regions.codeRule"); }
      if (!name.value.trim()) { name.focus(); return t("regions.nameRequired"); }
      await api("/regions", { method: "POST", body: { client_uuid: key, code: code.value.trim(), name: name.value.trim(), parent_id: parent.id } });
      reload();
      return null;
    },
  });
}

function renameSheet(r, reload) {
  const key = uuid();
  const name = h("input", { id: "rr-name", maxlength: 64, required: true, value: r.name, autocomplete: "off", "data-testid": "region-rename-name" });
  const note = h("input", { id: "rr-note", maxlength: 200, autocomplete: "off", placeholder: t("regions.notePlaceholder"), "data-testid": "region-rename-note" });
  sheet({
    title: t("regions.renameTitle", { name: r.name }), testid: "region-rename-sheet", okText: t("users.save"),
    intro: t("regions.renameIntro"),
    fields: [h("label", { for: "rr-name" }, t("regions.newName")), name, h("label", { for: "rr-note" }, t("regions.note")), note],
    onOk: async () => {
      if (!name.value.trim()) { name.focus(); return t("regions.nameRequired"); }
      await api(`/regions/${r.id}`, { method: "PATCH", body: { client_uuid: key, name: name.value.trim(), ...(note.value.trim() ? { note: note.value.trim() } : {}) } });
      reload();
      return null;
    },
  });
}
