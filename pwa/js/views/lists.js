// The lists that had no screen of their own: /inspections (every inspection in the user's region,
// newest first; only the suspicious ones on request) and /subsidies/payments (subsidy payments, by
// status). Like every list, each has the region filter (?region=) and names each row's township
// (and county for city and province users).
import { api } from "../api.js";
import { h } from "../dom.js";
import { formatDate, formatMoney, t } from "../i18n.js";
import { errorPage, exportLinks, formatDistance, local, pageAsked, pager, placeTag, regionFilter, regionParam, totalOf } from "./common.js";
import { tabs } from "./subsidies.js";

const PER_PAGE = 20;

const signIn = (ctx) => { ctx.navigate("/login?next=" + encodeURIComponent(location.pathname + location.search), { replace: true }); return null; };

/** This screen's address with ``over`` changed (empty values dropped), back on page 1 unless given. */
function addressWith(over) {
  const qs = new URLSearchParams(location.search);
  qs.delete("page");
  qs.delete("after");
  for (const [k, v] of Object.entries(over)) if (v === "" || v == null) qs.delete(k); else qs.set(k, v);
  return location.pathname + (qs.toString() ? "?" + qs : "");
}


// ---- /inspections -------------------------------------------------------------------------------

export async function renderInspections(ctx) {
  const { user } = ctx.session;
  ctx.setTitle(t("lists.inspections"));
  const flagged = ctx.query.get("flagged") === "true";
  const { page, after } = pageAsked(ctx);
  let data;
  try {
    data = await api("/inspections", { query: { flagged: flagged ? "true" : "", region_id: regionParam(ctx), page, after, per_page: PER_PAGE } });
  } catch (err) {
    if (err.status === 401) return signIn(ctx);
    return errorPage(err, ctx);
  }
  const which = h("select", { id: "insp-which", "aria-label": t("lists.inspectionsWhich"), "data-testid": "inspections-which",
    onchange: () => ctx.navigate(addressWith({ flagged: which.value === "flagged" ? "true" : "" }), { replace: true }) },
  h("option", { value: "" }, t("lists.inspectionsAll")),
  h("option", { value: "flagged", selected: flagged }, t("lists.inspectionsFlagged")));
  const items = data.items || [];
  return h("div", { class: "rects" },
    h("h1", { tabindex: "-1" }, t("lists.inspections")),
    h("div", { class: "filters" }, which, regionFilter(ctx)),
    h("p", { class: "muted small list-head", "aria-live": "polite" }, t("rects.total", { total: totalOf(data) }),
      exportLinks("/inspections", { flagged: flagged ? "true" : "", region_id: regionParam(ctx) }, "inspections-export")),
    items.length ? h("ul", { class: "rlist", "data-testid": "inspection-list" }, items.map((x) => h("li", {},
      h("a", { href: `/p/${x.project_id}`, "data-link": "", class: "ritem", "data-testid": "inspection-row" },
        h("span", { class: "ritem-head" },
          h("span", { class: `flag ${x.verdict === "problem" ? "" : "ok"}` }, t(`verdict.${x.verdict}`)),
          h("span", { class: "ritem-rule" }, x.project_name)),
        x.off_site || x.reused_photo ? h("span", { class: "ritem-meta small" },
          x.off_site ? h("span", { class: "flag warn" }, t("inspect.offSite", { d: formatDistance(x.distance_m) || "?" })) : null,
          x.reused_photo ? h("span", { class: "flag warn" }, t("rects.photoReused")) : null) : null,
        x.findings ? h("span", { class: "ritem-why clamp" }, x.findings) : null,
        h("span", { class: "ritem-meta small" }, placeTag(x, user),
          h("span", {}, (x.inspector && x.inspector.display_name) || ""),
          h("span", { class: "muted" }, formatDate(x.recorded_at || x.created_at)))))))
      : h("p", { class: "empty", "data-testid": "inspection-empty" }, t("lists.inspectionsEmpty")),
    pager(data, page, PER_PAGE, addressWith));
}

// ---- /subsidies/payments ------------------------------------------------------------------------

const PAY_STATES = ["paid", "failed", "returned", "pending"];

export async function renderPayments(ctx) {
  const { user } = ctx.session;
  ctx.setTitle(t("lists.payments"));
  const status = PAY_STATES.includes(ctx.query.get("status")) ? ctx.query.get("status") : "";
  const { page, after } = pageAsked(ctx);
  let data;
  try {
    data = await api("/subsidies/disbursements", { query: { status, region_id: regionParam(ctx), page, after, per_page: PER_PAGE } });
  } catch (err) {
    if (err.status === 401) return signIn(ctx);
    return errorPage(err, ctx);
  }
  const statusSelect = h("select", { id: "pay-status", "aria-label": t("lists.paymentStatus"), "data-testid": "payments-status",
    onchange: () => ctx.navigate(addressWith({ status: statusSelect.value }), { replace: true }) },
  h("option", { value: "" }, t("lists.paymentsAll")),
  PAY_STATES.map((s) => h("option", { value: s, selected: s === status }, t(`lists.payment.${s}`))));
  const items = data.items || [];
  return h("div", { class: "rects" },
    h("h1", { tabindex: "-1" }, t("lists.payments")),
    tabs(user, "/subsidies/payments"),
    h("div", { class: "filters" }, statusSelect, regionFilter(ctx)),
    h("p", { class: "muted small list-head", "aria-live": "polite" }, t("rects.total", { total: totalOf(data) }),
      exportLinks("/subsidies/disbursements", { status, region_id: regionParam(ctx) }, "payments-export")),
    items.length ? h("ul", { class: "plist", "data-testid": "payment-list" }, items.map((d) => h("li", {},
      h("a", { href: `/subsidies/people/${d.person.id}`, "data-link": "", class: "pitem", "data-testid": "payment-row", "data-status": d.status },
        h("span", { class: "pitem-name" }, d.person.name, h("span", { class: "muted" }, ` · ${d.policy} · ${d.period}`)),
        h("span", { class: "pitem-meta" },
          h("span", { class: d.status === "paid" ? "flag ok" : "flag warn" }, local(d, "status")),
          h("span", {}, formatMoney(d.amount)),
          placeTag(d, user),
          h("span", {}, d.person.village),
          d.paid_on ? h("span", { class: "muted" }, formatDate(d.paid_on)) : null)))))
      : h("p", { class: "empty", "data-testid": "payment-empty" }, t("lists.paymentsEmpty")),
    pager(data, page, PER_PAGE, addressWith));
}
