// Home after sign-in: who I am, my region's projects (search, stage filter, pages), and a code box
// docked at the bottom of the screen for opening /q/<code>.
import { api } from "../api.js";
import { h } from "../dom.js";
import { STAGES, formatMoney, t } from "../i18n.js";
import { errorBox, showError, stageBadge } from "./common.js";

const PER_PAGE = 10;

/** What someone typed or pasted → a code for the URL (the server does the real check). */
export function codeFromInput(text) {
  let s = (text || "").trim();
  const at = s.lastIndexOf("/q/");
  if (at >= 0) s = s.slice(at + 3);
  s = s.split(/[?#/]/)[0];
  return s.replace(/[\s\-_\u3000]/g, "").toUpperCase();
}

export async function render(ctx) {
  const { user } = ctx.session;
  ctx.setTitle(t("home.title"));
  const q = ctx.query.get("q") || "";
  const stage = STAGES.includes(ctx.query.get("stage")) ? ctx.query.get("stage") : "";
  const page = Math.max(1, parseInt(ctx.query.get("page"), 10) || 1);

  const listUrl = (p) => {
    const qs = new URLSearchParams();
    if (q) qs.set("q", q);
    if (stage) qs.set("stage", stage);
    if (p > 1) qs.set("page", p);
    return "/" + (qs.toString() ? "?" + qs : "");
  };

  // The code box.
  const codeInput = h("input", { id: "code", name: "code", inputmode: "text", autocomplete: "off", autocapitalize: "characters",
    spellcheck: "false", placeholder: "ABCD-EFGH-JKMN-PQ", "aria-describedby": "code-hint", "data-testid": "code-input" });
  const codeError = errorBox();
  const codeForm = h("form", { class: "dock", role: "search", "aria-label": t("home.code"), onsubmit: (event) => {
    event.preventDefault();
    const code = codeFromInput(codeInput.value);
    if (!code) return showError(codeError, t("home.codeEmpty"));
    ctx.navigate("/q/" + encodeURIComponent(code));
  } },
    h("label", { for: "code" }, t("home.code")),
    h("div", { class: "row" }, codeInput,
      h("button", { type: "submit", class: "btn btn-primary", "data-testid": "code-open" }, t("home.open"))),
    h("small", { id: "code-hint", class: "muted" }, t("home.codeHint")),
    codeError);

  // Search.
  const qInput = h("input", { id: "q", name: "q", type: "search", value: q, placeholder: t("home.searchPlaceholder"), "data-testid": "search" });
  const stageSelect = h("select", { id: "stage", name: "stage", "aria-label": t("home.stage") },
    h("option", { value: "" }, t("home.stageAll")),
    STAGES.map((s) => h("option", { value: s, selected: s === stage }, t(`stage.${s}`))));
  const search = h("form", { class: "search", role: "search", onsubmit: (event) => {
    event.preventDefault();
    const qs = new URLSearchParams();
    if (qInput.value.trim()) qs.set("q", qInput.value.trim());
    if (stageSelect.value) qs.set("stage", stageSelect.value);
    ctx.navigate("/" + (qs.toString() ? "?" + qs : ""), { replace: true });
  } },
    h("label", { for: "q", class: "sr-only" }, t("home.search")),
    h("div", { class: "row" }, qInput, h("button", { type: "submit", class: "btn" }, t("home.find"))),
    stageSelect);
  stageSelect.addEventListener("change", () => search.requestSubmit());

  // The list.
  let list;
  try {
    const data = await api("/projects", { query: { page, per_page: PER_PAGE, q, stage } });
    const pages = Math.max(1, Math.ceil(data.total / data.per_page));
    list = h("div", {},
      h("p", { class: "muted", "aria-live": "polite" }, t("home.total", { total: data.total })),
      data.items.length
        ? h("ul", { class: "plist", "data-testid": "project-list" }, data.items.map((p) => h("li", {},
          h("a", { href: p.code ? `/q/${encodeURIComponent(p.code)}` : `/p/${p.id}`, "data-link": "", class: "pitem" },
            h("span", { class: "pitem-name" }, p.name),
            h("span", { class: "pitem-meta" }, stageBadge(p.stage),
              h("span", {}, formatMoney(p.budget)),
              h("span", {}, p.region && p.region.name)),
            h("span", { class: "pitem-ref muted" }, p.ref_no)))))
        : h("p", { class: "empty" }, t("home.empty")),
      pages > 1 && h("nav", { class: "pager", "aria-label": t("home.page", { page, pages }) },
        page > 1 ? h("a", { href: listUrl(page - 1), "data-link": "", class: "btn", rel: "prev" }, t("home.prev")) : h("span"),
        h("span", { class: "muted" }, t("home.page", { page, pages })),
        page < pages ? h("a", { href: listUrl(page + 1), "data-link": "", class: "btn", rel: "next" }, t("home.next")) : h("span")));
  } catch (err) {
    if (err.status === 401) {
      ctx.session.user = null;
      ctx.navigate("/login?next=/", { replace: true });
      return null;
    }
    list = h("p", { class: "error-box", "data-testid": "error", role: "alert" }, err.message);
  }

  return h("div", { class: "home has-dock" },
    h("section", { class: "me card", "aria-labelledby": "me-name" },
      h("h1", { id: "me-name", tabindex: "-1" }, t("home.hello", { name: user.display_name || user.username })),
      h("p", { class: "muted" }, t("home.scope", { role: t(`role.${user.role}`), region: user.region ? user.region.name : "" })),
      // The printable plaque sheet for everything in the user's region (opens the A4 page to print).
      user.region && h("a", { href: `/api/v1/regions/${user.region.id}/labels`, target: "_blank", rel: "noopener",
        class: "btn", "data-testid": "labels-link" }, t("home.labels"))),
    h("section", { "aria-labelledby": "plist-h" },
      h("h2", { id: "plist-h" }, t("home.projects")),
      search,
      list),
    codeForm);
}
