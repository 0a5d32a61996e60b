// Pieces shared by the views: stage badge, labelled facts, full-page messages.
import { h } from "../dom.js";
import { t } from "../i18n.js";

export const stageBadge = (stage, testid) =>
  h("span", { class: "badge", "data-stage": stage, "data-testid": testid }, t(`stage.${stage}`));

/** A <dl> row; rows whose value is empty are left out. */
export function fact(label, value, attrs = {}) {
  if (value === null || value === undefined || value === "") return null;
  return h("div", { class: "fact", ...attrs }, h("dt", {}, label), h("dd", {}, value));
}

/** A friendly full-page message for a failed load; code errors get their own titles. */
export function errorPage(err, ctx) {
  const code = err && err.code;
  const known = ["code_revoked", "code_checksum", "code_malformed", "code_not_found"].includes(code);
  const title = known ? t(`err.${code}`) : t("err.title");
  const hint = code === "code_revoked" ? t("err.revokedHint") : known ? t("err.codeHint") : null;
  ctx && ctx.setTitle(title);
  return h("section", { class: "page-msg", "data-testid": "error", "data-code": code || "" },
    h("div", { class: "page-msg-icon", "aria-hidden": "true" }, code === "code_revoked" ? "⊘" : "!"),
    h("h1", { tabindex: "-1" }, title),
    h("p", { class: "page-msg-detail" }, (err && err.message) || ""),
    hint && h("p", {}, hint),
    h("div", { class: "actions" },
      code === "network" || (err && err.status >= 500)
        ? h("button", { type: "button", class: "btn", onclick: () => location.reload() }, t("err.retry")) : null,
      h("a", { href: "/", "data-link": "", class: "btn btn-primary" }, t("app.home"))));
}

/** An inline error box (forms). */
export const errorBox = () => h("p", { class: "error-box", "data-testid": "error", role: "alert", hidden: true });
export function showError(box, message) {
  box.textContent = message || "";
  box.hidden = !message;
}
