// /users: user management for administrators (anywhere) and county supervisors (their county):
// find an account, reset its password (a one-time password shown once), deactivate or reactivate
// it, change its role or region. Every change is audited on the server.
// /password: change one's own password (forced after a reset: the server refuses everything else).
import { api } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { regionPicker } from "../region-picker.js";
import { errorBox, errorPage, pageAsked, pageHref, pager, sheet, showError, totalOf } from "./common.js";

export const MANAGERS = ["admin", "county"];
const ROLES = ["admin", "province", "city", "county", "township_lead", "inspector", "clerk"];
const ROLE_LEVEL = { admin: "province", province: "province", city: "city", county: "county",
  township_lead: "township", inspector: "township", clerk: "township" };
const STATUSES = ["active", "inactive", "all"];
const PER_PAGE = 50;
const rank = (role) => ROLES.length - ROLES.indexOf(role);

/** The roles ``actor`` may give: any for an administrator, up to their own for a county supervisor. */
const grantable = (actor) => ROLES.filter((r) => actor.role === "admin" || rank(r) <= rank(actor.role));

export async function renderUsers(ctx) {
  const me = ctx.session.user;
  ctx.setTitle(t("users.title"));
  if (!MANAGERS.includes(me.role)) return errorPage({ code: "role_forbidden", status: 403, message: t("users.forbidden") }, ctx);
  const q = ctx.query.get("q") || "";
  const status = STATUSES.includes(ctx.query.get("status")) ? ctx.query.get("status") : "active";
  const { page, after } = pageAsked(ctx);
  let data;
  try {
    data = await api("/users", { query: { q, status, page, after, per_page: PER_PAGE } });
  } catch (err) {
    return errorPage(err, ctx);
  }
  const reload = () => ctx.navigate(location.pathname + location.search, { replace: true });
  const qInput = h("input", { id: "users-q", name: "q", type: "search", value: q, placeholder: t("users.searchPlaceholder"),
    autocomplete: "off", "data-testid": "users-q" });
  const statusSelect = h("select", { id: "users-status", name: "status", "aria-label": t("users.status"), "data-testid": "users-status" },
    STATUSES.map((s) => h("option", { value: s, selected: s === status }, t(`users.status.${s}`))));
  const search = h("form", { class: "users-search", role: "search", onsubmit: (event) => {
    event.preventDefault();
    const qs = new URLSearchParams({ q: qInput.value.trim(), status: statusSelect.value });
    if (!qInput.value.trim()) qs.delete("q");
    ctx.navigate(`/users?${qs}`);
  } },
  h("label", { for: "users-q" }, t("users.search")),
  h("div", { class: "row" }, qInput, statusSelect, h("button", { type: "submit", class: "btn" }, t("home.find"))));
  statusSelect.addEventListener("change", () => search.requestSubmit());
  return h("div", { class: "users wide" },
    h("h1", { tabindex: "-1" }, t("users.title")),
    h("p", { class: "muted" }, me.role === "admin" ? t("users.leadAdmin") : t("users.leadCounty", { region: me.region ? me.region.name : "" })),
    h("div", { class: "row users-tools" },
      h("button", { type: "button", class: "btn btn-primary", "data-testid": "user-create", onclick: () => createSheet(me, (made) => ctx.navigate(`/users?q=${encodeURIComponent(made.username)}`)) }, t("users.create")),
      h("a", { href: "/imports/users", "data-link": "", class: "btn", "data-testid": "users-import" }, t("users.importRoster")),
      h("a", { href: "/regions", "data-link": "", class: "btn", "data-testid": "users-regions" }, t("regions.title"))),
    search,
    h("p", { class: "muted", "aria-live": "polite" }, t("users.total", { total: totalOf(data) })),
    data.items.length
      ? h("ul", { class: "user-list", "data-testid": "user-list" },
        h("li", { class: "user user-head", "aria-hidden": "true" },
          h("span", {}, t("users.col.name")), h("span", {}, t("users.col.role")), h("span", {}, t("users.col.region")),
          h("span", {}, t("users.col.status")), h("span", {}, t("users.col.actions"))),
        data.items.map((u) => userRow(u, me, reload)))
      : h("p", { class: "empty" }, t("users.empty")),
    pager(data, page, PER_PAGE, pageHref));
}

function userRow(u, me, reload) {
  const self = u.id === me.id;
  const canManage = !self && (me.role === "admin" || rank(u.role) <= rank(me.role));
  return h("li", { class: "user card", "data-testid": "user", "data-username": u.username, "data-active": String(u.active) },
    h("span", { class: "user-name" }, h("strong", {}, u.display_name), " ", h("span", { class: "muted mono" }, u.username)),
    h("span", { "data-testid": "user-role" }, t(`role.${u.role}`)),
    h("span", { "data-testid": "user-region" }, u.region ? u.region.name : ""),
    h("span", {}, h("span", { class: u.active ? "pstatus" : "pstatus off", "data-testid": "user-status" },
      u.active ? t("users.active") : t("users.inactive")),
      u.must_change_password ? h("span", { class: "muted small" }, " ", t("users.mustChange")) : null),
    h("span", { class: "user-actions" }, canManage ? [
      h("button", { type: "button", class: "btn btn-small", "data-testid": "user-reset", onclick: () => resetSheet(u, reload) }, t("users.reset")),
      h("button", { type: "button", class: "btn btn-small", "data-testid": "user-edit", onclick: () => editSheet(u, me, reload) }, t("users.edit")),
      u.active
        ? h("button", { type: "button", class: "btn btn-small", "data-testid": "user-deactivate", onclick: () => deactivateSheet(u, reload) }, t("users.deactivate"))
        : h("button", { type: "button", class: "btn btn-small", "data-testid": "user-reactivate", onclick: () => reactivateSheet(u, reload) }, t("users.reactivate")),
    ] : h("span", { class: "muted small" }, self ? t("users.self") : "")));
}

function resetSheet(u, reload) {
  sheet({
    title: t("users.resetTitle", { name: u.display_name }), testid: "reset", okText: t("users.resetOk"),
    intro: t("users.resetIntro"),
    onOk: async ({ close }) => {
      const res = await api(`/users/${u.id}/reset-password`, { method: "POST" });
      close();
      showOnce(u, res.one_time_password, reload);
      return null;
    },
  });
}

/** The one-time password, shown this once (it is not stored anywhere in clear). */
function showOnce(u, secret, reload) {
  const dialog = h("dialog", { class: "sheet", "aria-labelledby": "otp-h", "data-testid": "otp" });
  const close = () => { dialog.close(); dialog.remove(); reload(); };
  const copied = h("span", { class: "muted small", role: "status" });
  dialog.append(h("div", { class: "form" },
    h("h2", { id: "otp-h" }, t("users.otpTitle", { name: u.display_name })),
    h("p", {}, t("users.otpIntro", { username: u.username })),
    h("p", { class: "otp mono", "data-testid": "otp-value" }, secret),
    h("p", { class: "muted small" }, t("users.otpOnce")),
    h("div", { class: "row" },
      h("button", { type: "button", class: "btn", "data-testid": "otp-copy", onclick: async () => {
        try { await navigator.clipboard.writeText(secret); copied.textContent = t("users.copied"); } catch { copied.textContent = t("users.copyFailed"); }
      } }, t("users.copy")),
      h("button", { type: "button", class: "btn btn-primary", "data-testid": "otp-done", onclick: close }, t("users.done"))),
    copied));
  dialog.addEventListener("cancel", () => setTimeout(close));
  document.body.append(dialog);
  dialog.showModal();
}

/** A new account: the server makes a one-time password and shows it here, this once. */
function createSheet(me, shown) {
  const name = h("input", { id: "uc-name", maxlength: 64, required: true, autocomplete: "off", "data-testid": "create-name" });
  const username = h("input", { id: "uc-username", maxlength: 64, required: true, autocomplete: "off", autocapitalize: "none",
    spellcheck: "false", "data-testid": "create-username" });
  const phone = h("input", { id: "uc-phone", type: "tel", maxlength: 20, autocomplete: "off", "data-testid": "create-phone" });
  const role = h("select", { id: "uc-role", "data-testid": "create-role" },
    grantable(me).map((r) => h("option", { value: r, selected: r === "inspector" }, t(`role.${r}`))));
  const region = regionPicker({ id: "uc-region", testid: "create-region", label: t("users.col.region"), root: me.region,
    levels: [ROLE_LEVEL[role.value]] });
  role.addEventListener("change", () => region.setLevels([ROLE_LEVEL[role.value]]));
  sheet({
    title: t("users.createTitle"), testid: "create", okText: t("users.createOk"), intro: t("users.createIntro"),
    fields: [h("label", { for: "uc-name" }, t("users.col.name")), name,
      h("label", { for: "uc-username" }, t("users.username")), username,
      h("label", { for: "uc-role" }, t("users.col.role")), role,
      region.el,
      h("label", { for: "uc-phone" }, t("users.phone")), phone],
    onOk: async ({ close }) => {
      if (!name.value.trim()) { name.focus(); return t("users.nameRequired"); }
      if (username.value.trim().length < 3) { username.focus(); return t("users.usernameRequired"); }
      if (!region.value) { region.focus(); return t("users.regionRequired"); }
      const made = await api("/users", { method: "POST", body: { display_name: name.value.trim(), username: username.value.trim(),
        role: role.value, region_id: Number(region.value), ...(phone.value.trim() ? { phone: phone.value.trim() } : {}) } });
      close();
      // Then the list shows the new account (on a county's hundreds of users it is not on page one).
      showOnce(made, made.one_time_password, () => shown(made));
      return null;
    },
  });
}

function editSheet(u, me, reload) {
  const role = h("select", { id: "ue-role", "data-testid": "edit-role" },
    grantable(me).map((r) => h("option", { value: r, selected: r === u.role }, t(`role.${r}`))));
  const region = regionPicker({ id: "ue-region", testid: "edit-region", label: t("users.col.region"), root: me.region,
    levels: [ROLE_LEVEL[u.role]], value: u.region });
  const name = h("input", { id: "ue-name", value: u.display_name, maxlength: 64, required: true, "data-testid": "edit-name" });
  role.addEventListener("change", () => region.setLevels([ROLE_LEVEL[role.value]]));
  sheet({
    title: t("users.editTitle", { name: u.display_name }), testid: "edit", okText: t("users.save"),
    fields: [h("label", { for: "ue-name" }, t("users.col.name")), name,
      h("label", { for: "ue-role" }, t("users.col.role")), role,
      region.el,
      h("p", { class: "muted small" }, t("users.levelHint"))],
    onOk: async () => {
      if (!name.value.trim()) { name.focus(); return t("users.nameRequired"); }
      if (!region.value) { region.focus(); return t("users.regionRequired"); }
      await api(`/users/${u.id}`, { method: "PATCH", body: { role: role.value, region_id: Number(region.value), display_name: name.value.trim() } });
      reload();
      return null;
    },
  });
}

function deactivateSheet(u, reload) {
  const reason = h("textarea", { id: "ud-reason", rows: 2, maxlength: 200, "data-testid": "deactivate-reason" });
  sheet({
    title: t("users.deactivateTitle", { name: u.display_name }), testid: "deactivate", okText: t("users.deactivate"),
    intro: t("users.deactivateIntro"), fields: [h("label", { for: "ud-reason" }, t("users.reason")), reason],
    onOk: async () => {
      await api(`/users/${u.id}/deactivate`, { method: "POST", body: reason.value.trim() ? { reason: reason.value.trim() } : {} });
      reload();
      return null;
    },
  });
}

function reactivateSheet(u, reload) {
  sheet({
    title: t("users.reactivateTitle", { name: u.display_name }), testid: "reactivate", okText: t("users.reactivate"),
    intro: t("users.reactivateIntro"),
    onOk: async () => {
      await api(`/users/${u.id}/reactivate`, { method: "POST" });
      reload();
      return null;
    },
  });
}

// ---- /password -----------------------------------------------------------------------------------

function safeNext(next) {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/password") && !next.startsWith("/login") ? next : "/";
}

export async function renderPassword(ctx) {
  const { user } = ctx.session;
  const forced = Boolean(user.must_change_password);
  ctx.setTitle(t("pw.title"));
  const error = errorBox();
  const field = (id, label, autocomplete, testid) => {
    const input = h("input", { id, name: id, type: "password", autocomplete, required: true, "data-testid": testid });
    return [h("label", { for: id }, label), input];
  };
  const [currentLabel, current] = field("pw-current", forced ? t("pw.currentForced") : t("pw.current"), "current-password", "pw-current");
  const [newLabel, fresh] = field("pw-new", t("pw.new"), "new-password", "pw-new");
  const [againLabel, again] = field("pw-again", t("pw.again"), "new-password", "pw-again");
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block", "data-testid": "pw-submit" }, t("pw.submit"));
  async function onsubmit(event) {
    event.preventDefault();
    showError(error, "");
    const empty = [current, fresh, again].find((input) => !input.value);
    if (empty) {
      // Say which one, next to where the person is looking, and put the cursor there.
      showError(error, t(empty === current ? (forced ? "pw.requiredForced" : "pw.requiredCurrent") : "pw.requiredNew"));
      empty.focus();
      empty.scrollIntoView({ block: "center" });
      return;
    }
    if (fresh.value !== again.value) { again.select(); return showError(error, t("pw.mismatch")); }
    submit.disabled = true;
    try {
      const res = await api("/auth/password", { method: "POST", body: { current_password: current.value, new_password: fresh.value } });
      ctx.signedIn(res);
      ctx.flash(t("pw.done"));
      ctx.navigate(safeNext(ctx.query.get("next")), { replace: true });
    } catch (err) {
      showError(error, err.message);
      (err.fields && err.fields.some((f) => f.path === "json.current_password") ? current : fresh).select();
    } finally {
      submit.disabled = false;
    }
  }
  return h("section", { class: "login" },
    h("h1", { tabindex: "-1" }, t("pw.title")),
    forced ? h("p", { class: "notice", role: "status", "data-testid": "pw-forced" }, t("pw.forced")) : null,
    h("form", { class: "card form", novalidate: true, onsubmit },
      currentLabel, current, newLabel, fresh,
      h("small", { class: "muted" }, t("pw.rules")),
      againLabel, again, error, submit));
}
