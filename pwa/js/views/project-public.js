// On a project's page, for anyone: its latest photos (re-encoded public copies) and the public
// comments and complaints with the township's answers, plus the form to leave one.
import { api } from "../api.js";
import { fill, h } from "../dom.js";
import { formatDate, t } from "../i18n.js";
import { uuid } from "../outbox.js";

/** A strip of thumbnails, each linking to the larger copy; hidden until there is a photo. */
export function photosSection(p) {
  const strip = h("ul", { class: "photo-strip", "data-testid": "public-photos" });
  const section = h("section", { class: "card", "aria-labelledby": "pph-h", hidden: true },
    h("h2", { id: "pph-h" }, t("pub.photos")), strip);
  api(`/public/projects/${p.id}/photos`).then((data) => {
    const items = data.items || [];
    if (!items.length) return;
    fill(strip, items.map((ph) => h("li", {},
      h("a", { href: ph.url, target: "_blank", rel: "noopener", "data-testid": "public-photo" },
        h("img", { src: ph.thumb_url, alt: t("pub.photoAlt", { date: ph.taken_on || "" }), width: 96, height: 96, loading: "lazy" }),
        ph.taken_on ? h("span", { class: "muted small" }, ph.taken_on) : null))));
    section.hidden = false;
  }).catch(() => { /* offline without a cached copy: no photos shown */ });
  return section;
}

const kindName = (kind) => t(`pub.kind.${kind}`);

function commentItem(c) {
  return h("li", { class: "comment", "data-status": c.status, "data-testid": "comment", "data-comment-id": c.id },
    h("p", { class: "comment-head" },
      h("span", { class: c.kind === "complaint" ? "flag" : "flag ok" }, kindName(c.kind)),
      h("strong", {}, c.nickname || t("pub.anonymous")),
      h("span", { class: "muted small" }, formatDate(c.created_at))),
    h("p", { class: "comment-body" }, c.body),
    c.answer
      ? h("div", { class: "answer", "data-testid": "comment-answer" },
        h("p", { class: "small muted" }, t("pub.answer", { date: formatDate(c.answered_at) })), h("p", {}, c.answer))
      : h("p", { class: "flag warn", "data-testid": "comment-waiting" }, t("pub.waiting")));
}

/** Comments (newest first) and the form; the section is #comments so a link can jump to it. */
export function commentsSection(p) {
  const heading = h("h2", { id: "comments-h" }, t("pub.commentsTitle"));
  const list = h("ul", { class: "comment-list", "data-testid": "comments" });
  const empty = h("p", { class: "empty small", "data-testid": "comments-empty", hidden: true }, t("pub.commentsEmpty"));
  const draw = (items) => {
    heading.textContent = t("pub.comments", { n: items.length });
    fill(list, items.map(commentItem));
    empty.hidden = items.length > 0;
  };
  let items = [];
  api(`/public/projects/${p.id}/comments`).then((data) => { items = data.items || []; draw(items); })
    .catch(() => { empty.hidden = false; });

  let clientUuid = uuid(); // one per comment: a retry after a lost answer is not a second comment
  let kind = "comment";
  const kindBtns = ["comment", "complaint"].map((k) => h("button", { type: "button", class: `verdict ${k === "complaint" ? "problem" : "normal"}`,
    "aria-pressed": String(k === kind), "data-testid": `comment-kind-${k}`, onclick: () => {
      kind = k;
      for (const b of kindBtns) b.setAttribute("aria-pressed", String(b.dataset.testid === `comment-kind-${k}`));
    } }, kindName(k)));
  const body = h("textarea", { id: "cm-body", rows: 4, maxlength: 500, required: true, "data-testid": "comment-body",
    placeholder: t("pub.bodyHint") });
  const counter = h("small", { class: "muted", "aria-live": "polite" }, "0/500");
  body.addEventListener("input", () => { counter.textContent = `${body.value.trim().length}/500`; });
  const nickname = h("input", { id: "cm-nick", maxlength: 20, autocomplete: "nickname", "data-testid": "comment-nickname" });
  const contact = h("input", { id: "cm-contact", type: "tel", inputmode: "tel", maxlength: 20, autocomplete: "tel",
    "aria-describedby": "cm-contact-hint", "data-testid": "comment-contact" });
  // Only robots fill this in: it is out of sight and out of the tab order.
  const website = h("input", { name: "website", type: "text", tabindex: "-1", autocomplete: "off", value: "" });
  const error = h("p", { class: "error-box", role: "alert", "data-testid": "comment-error", hidden: true });
  const say = (m) => { error.textContent = m || ""; error.hidden = !m; };
  const done = h("p", { class: "toast", role: "status", "data-testid": "comment-done", hidden: true });
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block", "data-testid": "comment-submit" }, t("pub.send"));

  const form = h("form", { class: "form", novalidate: true, "aria-labelledby": "cm-form-h", onsubmit: async (event) => {
    event.preventDefault();
    say("");
    done.hidden = true;
    const text = body.value.trim();
    if (text.length < 5) { body.focus(); return say(t("pub.tooShort")); }
    const json = { client_uuid: clientUuid, kind, body: text, website: website.value };
    if (nickname.value.trim()) json.nickname = nickname.value.trim();
    if (contact.value.trim()) json.contact = contact.value.trim();
    submit.disabled = true;
    submit.textContent = t("pub.sending");
    try {
      const c = await api(`/public/projects/${p.id}/comments`, { method: "POST", body: json });
      if (!items.some((x) => x.id === c.id)) items = [c, ...items];
      draw(items);
      body.value = "";
      counter.textContent = "0/500";
      clientUuid = uuid();
      done.textContent = t("pub.sent");
      done.hidden = false;
    } catch (err) {
      say(err.message);
    } finally {
      submit.disabled = false;
      submit.textContent = t("pub.send");
    }
  } },
  h("h3", { id: "cm-form-h" }, t("pub.leave")),
  h("div", { class: "verdicts", role: "group", "aria-label": t("pub.kind") }, kindBtns),
  h("label", { for: "cm-body" }, t("pub.body")), body, counter,
  h("label", { for: "cm-nick" }, t("pub.nickname")), nickname,
  h("label", { for: "cm-contact" }, t("pub.contact")), contact,
  h("small", { id: "cm-contact-hint", class: "muted" }, t("pub.contactHint")),
  h("div", { class: "hp", "aria-hidden": "true" }, h("label", {}, "Website", website)),
  error, done, submit);

  return h("section", { class: "card", id: "comments", "aria-labelledby": "comments-h", "data-testid": "comments-section" },
    heading, list, empty, form);
}
