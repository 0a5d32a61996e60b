// "/": a signed-in user's home (views/home.js, loaded only for them); for anyone else the public
// front page — scan a plaque, type its code, or find a village's notice board by the village's
// name — with the staff sign-in as one link on it.
import { api } from "../api.js";
import { fill, h } from "../dom.js";
import { t } from "../i18n.js";
import { codeForm, errorBox, showError } from "./common.js";

export async function render(ctx) {
  if (ctx.session.user) return (await import("./home.js")).render(ctx);
  ctx.setTitle(t("front.title"));
  const results = h("div", { "aria-live": "polite", "data-testid": "village-results" });
  const error = errorBox();
  const name = h("input", { id: "village-q", name: "q", type: "search", maxlength: 40, autocomplete: "off",
    placeholder: t("front.villagePlaceholder"), "data-testid": "village-q" });
  name.addEventListener("input", () => showError(error, ""));

  async function find(event) {
    event.preventDefault();
    showError(error, "");
    const q = name.value.trim();
    if (!q) { name.focus(); return showError(error, t("front.villageEmpty")); }
    fill(results, h("p", { class: "loading small" }, t("app.loading")));
    try {
      const data = await api("/public/villages", { query: { q } });
      const items = data.items || [];
      fill(results, items.length
        ? h("ul", { class: "plist", "data-testid": "village-list" }, items.map((v) => h("li", {},
          h("a", { href: `/v/${encodeURIComponent(v.code)}`, "data-link": "", class: "pitem", "data-testid": "village-item" },
            h("span", { class: "pitem-name" }, v.name),
            h("span", { class: "pitem-meta" }, [v.county, v.township].filter(Boolean).join(" · "))))))
        : h("p", { class: "empty small", "data-testid": "village-none" }, t("front.villageNone", { q })));
    } catch (err) {
      fill(results);
      showError(error, err.code === "network" ? t("front.villageOffline") : err.message);
    }
  }

  return h("div", { class: "front" },
    h("section", { class: "card front-head" },
      h("h1", { tabindex: "-1" }, t("front.heading")),
      h("p", { class: "muted" }, t("front.lead"))),
    h("section", { class: "card", "aria-labelledby": "front-scan-h" },
      h("h2", { id: "front-scan-h" }, t("front.scanTitle")),
      codeForm(ctx, { className: "front-code", before: h("a", { href: "/scan", "data-link": "",
        class: "btn btn-primary btn-block btn-big", "data-testid": "scan-open" }, t("scan.open")) })),
    h("section", { class: "card", "aria-labelledby": "front-village-h" },
      h("h2", { id: "front-village-h" }, t("front.villageTitle")),
      h("form", { role: "search", novalidate: true, onsubmit: find, "data-testid": "village-search" },
        h("label", { for: "village-q" }, t("front.villageLabel")),
        h("div", { class: "row" }, name, h("button", { type: "submit", class: "btn", "data-testid": "village-find" }, t("home.find")))),
      error, results),
    h("p", { class: "center front-staff" },
      h("a", { href: "/login", "data-link": "", "data-testid": "staff-login" }, t("front.staff"))));
}
