// Sign-in: username + password; on success go to ?next= (only same-site paths) or home.
import { api } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { errorBox, showError } from "./common.js";

function safeNext(next) {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/login") ? next : "/";
}

export async function render(ctx) {
  const next = safeNext(ctx.query.get("next"));
  if (ctx.session.user) {
    ctx.navigate(next, { replace: true });
    return null;
  }
  ctx.setTitle(t("login.title"));
  const error = errorBox();
  const username = h("input", { id: "username", name: "username", autocomplete: "username", required: true,
    autocapitalize: "none", spellcheck: "false", "data-testid": "username" });
  const password = h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password",
    required: true, "data-testid": "password" });
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block", "data-testid": "login-submit" }, t("login.submit"));

  async function onsubmit(event) {
    event.preventDefault();
    showError(error, "");
    if (!username.value.trim() || !password.value) return showError(error, t("login.required"));
    submit.disabled = true;
    submit.textContent = t("login.busy");
    try {
      ctx.signedIn(await api("/auth/login", { method: "POST", body: { username: username.value.trim(), password: password.value } }));
      ctx.navigate(next, { replace: true });
    } catch (err) {
      showError(error, err.message);
      password.select();
    } finally {
      submit.disabled = false;
      submit.textContent = t("login.submit");
    }
  }

  return h("section", { class: "login" },
    h("div", { class: "login-head" },
      h("img", { src: "/icons/icon-192.png", alt: "", width: 72, height: 72 }),
      h("h1", { tabindex: "-1" }, t("login.title")),
      h("p", { class: "muted" }, t("login.lead"))),
    h("form", { class: "card form", novalidate: true, onsubmit },
      h("label", { for: "username" }, t("login.username")), username,
      h("label", { for: "password" }, t("login.password")), password,
      error,
      submit));
}
