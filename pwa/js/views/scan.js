// /q/<code> (anyone) and /p/<id> (signed in): the project card and its lifecycle, or a unit page.
import { api, qrUrl } from "../api.js";
import { h } from "../dom.js";
import { STAGES, formatDate, formatMoney, t } from "../i18n.js";
import { errorBox, errorPage, fact, showError, stageBadge } from "./common.js";

export async function renderCode(ctx) {
  const [code] = ctx.params;
  let data;
  try {
    data = await api(`/scan/${encodeURIComponent(code)}`);
  } catch (err) {
    return errorPage(err, ctx);
  }
  if (data.subject_type === "unit" && data.unit) return unitPage(data.unit, ctx);
  return projectPage(data.project, ctx);
}

export async function renderProject(ctx) {
  try {
    return projectPage(await api(`/projects/${ctx.params[0]}`), ctx);
  } catch (err) {
    if (err.status === 401) {
      ctx.navigate("/login?next=" + encodeURIComponent(location.pathname), { replace: true });
      return null;
    }
    return errorPage(err, ctx);
  }
}

const stageName = (s) => t(`stage.${s}`);

function stageStrip(stage) {
  const at = STAGES.indexOf(stage);
  return h("div", { class: "strip-wrap" },
    h("ol", { class: "strip", "aria-label": t("stage.strip") }, STAGES.map((s, i) => h("li", {
      class: i < at ? "done" : i === at ? "now" : "todo",
      "aria-current": i === at ? "step" : null,
      title: stageName(s),
    }, h("span", { class: "sr-only" }, stageName(s)), h("span", { "aria-hidden": "true" }, t(`stageShort.${s}`))))),
    h("p", { class: "strip-caption" }, t("stage.step", { n: at + 1, stage: stageName(stage) }),
      at >= 0 && at < STAGES.length - 1 ? t("stage.next", { stage: stageName(STAGES[at + 1]) }) : ""));
}

/** One readable sentence per lifecycle event. */
function sentence(ev, full) {
  const p = ev.payload || {};
  switch (ev.kind) {
    case "created":
      return p.name ? t("ev.created", { name: p.name, budget: formatMoney(p.budget) }) + (p.unit ? t("ev.createdUnit", { unit: p.unit }) : "")
        : t("ev.createdShort");
    case "stage_changed":
      return t("ev.stage", { from: stageName(p.from), to: stageName(p.to) })
        + (p.contractor ? t("ev.stageContract", { contractor: p.contractor }) : "")
        + (p.contract_amount ? t("ev.stageAmount", { amount: formatMoney(p.contract_amount) }) : "")
        + (p.note ? t("ev.note", { note: p.note }) : "");
    case "payment_recorded":
      return t("ev.payment", { amount: formatMoney(p.amount), source: p.funding_source || t("project.none") })
        + (full && p.payee ? t("ev.paymentFull", { payee: p.payee, voucher: p.voucher_no || t("project.none") }) : "");
    case "code_issued":
      return t("ev.codeIssued", { code: p.code });
    case "code_revoked":
      return t("ev.codeRevoked", { code: p.code, reason: p.reason || t("project.none") });
    case "code_reissued":
      return t("ev.codeReissued", { new: p.new, old: p.old, reason: p.reason || t("project.none") });
    default:
      return t("ev.other", { kind: ev.kind });
  }
}

function timeline(events, full) {
  const sorted = [...(events || [])].sort((a, b) => b.seq - a.seq);
  return h("section", { class: "card", "aria-labelledby": "tl-h" },
    h("h2", { id: "tl-h" }, t("project.timeline")),
    h("ol", { class: "timeline", "data-testid": "timeline", reversed: true }, sorted.map((ev) => h("li", {
      class: "tl-item", "data-testid": "timeline-item", "data-kind": ev.kind,
    },
      h("time", { datetime: ev.occurred_at }, formatDate(ev.kind === "payment_recorded" && ev.payload && ev.payload.paid_on || ev.occurred_at)),
      h("p", {}, sentence(ev, full)),
      full && (ev.actor || ev.hash) ? h("p", { class: "tl-meta muted" },
        ev.actor ? t("project.actor", { actor: ev.actor }) : "",
        ev.hash ? h("code", { title: ev.hash }, " #" + ev.hash.slice(0, 10)) : "") : null))));
}

function projectPage(p, ctx) {
  const full = p.view === "full";
  ctx.setTitle(p.name);
  // The region path is shown unless the address already spells it out.
  const path = (p.region_path || []).join(" › ");
  const place = [p.site_address, p.site_address && p.site_address.includes((p.region_path || []).join("")) ? null : path].filter(Boolean);
  const dates = p.planned_start_on || p.planned_end_on
    ? [h("span", { class: "nowrap" }, formatDate(p.planned_start_on)), ` ${t("project.dateTo")} `,
      h("span", { class: "nowrap" }, formatDate(p.planned_end_on))] : null;
  const progress = Number.isFinite(p.progress_pct)
    ? h("span", { class: "progress" }, h("progress", { max: 100, value: p.progress_pct, "aria-label": t("project.progress") }), ` ${p.progress_pct}%`) : null;

  const card = h("article", { class: "card project", "data-view": p.view, "data-testid": "project-card", "aria-labelledby": "pname" },
    h("div", { class: "project-head" },
      stageBadge(p.stage, "project-stage"),
      full ? h("span", { class: p.chain_intact ? "chain ok" : "chain bad", "data-testid": "chain",
        title: p.chain_intact ? t("project.chainOkLong", { n: p.event_count })
          : t("project.chainBadLong", { problems: (p.chain_problems || []).join("；") }) },
      p.chain_intact ? t("project.chainOk") : t("project.chainBad")) : null),
    h("h1", { id: "pname", tabindex: "-1", "data-testid": "project-name" }, p.name),
    full && !p.chain_intact ? h("p", { class: "error-box", role: "alert" },
      t("project.chainBadLong", { problems: (p.chain_problems || []).join("；") })) : null,
    stageStrip(p.stage),
    h("div", { class: "money" },
      h("div", {}, h("span", { class: "muted" }, t("project.budget")), h("strong", { "data-testid": "budget" }, formatMoney(p.budget))),
      h("div", {}, h("span", { class: "muted" }, t("project.paid")), h("strong", { "data-testid": "paid" }, formatMoney(p.paid_total)))),
    h("dl", { class: "facts" },
      full ? fact(t("project.refNo"), p.ref_no, { "data-testid": "ref-no" }) : null,
      fact(t("project.category"), p.category),
      full ? fact(t("project.contract"), p.contract_amount ? formatMoney(p.contract_amount) : null) : null,
      (p.funding_sources || []).length ? fact(t("project.funding"), h("ul", { class: "funds" },
        p.funding_sources.map((f) => h("li", {}, h("span", {}, f.source), h("span", {}, formatMoney(f.amount))))), { class: "fact wide" }) : null,
      fact(t("project.contractor"), p.contractor || t("project.none")),
      fact(t("project.site"), place.length ? place.map((line) => h("span", { class: "line" }, line)) : null),
      fact(t("project.unit"), p.unit_name),
      fact(t("project.dates"), dates),
      fact(t("project.progress"), progress),
      full ? fact(t("project.description"), p.description) : null),
    h("figure", { class: "qr" },
      h("img", { src: qrUrl(p.code), alt: t("project.qrAlt", { code: p.code }), width: 148, height: 148, loading: "lazy" }),
      h("figcaption", {}, t("project.code"), " ", h("code", {}, pretty(p.code)))));

  const page = h("div", { class: "scan has-dock" }, card, timeline(p.timeline, full));
  if (!full) {
    const back = location.pathname;
    page.append(h("div", { class: "dock", "data-testid": "public-note" },
      h("p", {}, t("project.publicNote")),
      h("a", { href: "/login?next=" + encodeURIComponent(back), "data-link": "", class: "btn btn-primary btn-block" }, t("project.signIn"))));
  } else if ((p.allowed_moves || []).length) {
    page.append(h("nav", { class: "dock", "aria-label": t("project.moves") },
      h("div", { class: "row wrap" }, p.allowed_moves.map((to) => {
        const back = STAGES.indexOf(to) < STAGES.indexOf(p.stage);
        return h("button", {
          type: "button", class: back ? "btn" : "btn btn-primary", "data-testid": "move", "data-to": to,
          onclick: () => openMove(p, to, ctx, page),
        }, t(back ? "project.moveBack" : "project.moveTo", { stage: stageName(to) }));
      }))));
  } else {
    page.classList.remove("has-dock");
  }
  return page;
}

const pretty = (code) => (code || "").replace(/(.{4})(?=.)/g, "$1-");

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((n) => n.toString(16).padStart(2, "0")).join("");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** Confirm a stage move in a dialog and POST it; one client_uuid per dialog so a retry is not a second move. */
function openMove(p, to, ctx, page) {
  const clientUuid = uuid();
  const needsContract = to === "contracted";
  const error = errorBox();
  const contractor = needsContract ? h("input", { id: "mv-contractor", required: true, autocomplete: "organization", "data-testid": "move-contractor" }) : null;
  const amount = needsContract ? h("input", { id: "mv-amount", inputmode: "decimal", placeholder: "0.00", "data-testid": "move-amount" }) : null;
  const note = h("textarea", { id: "mv-note", rows: 2, maxlength: 500 });
  const ok = h("button", { type: "submit", class: "btn btn-primary", "data-testid": "move-confirm" }, t("move.ok"));
  const dialog = h("dialog", { class: "sheet", "aria-labelledby": "mv-h" });
  const close = () => { dialog.close(); dialog.remove(); };

  async function onsubmit(event) {
    event.preventDefault();
    showError(error, "");
    const body = { client_uuid: clientUuid, to_stage: to, expected_from: p.stage };
    if (note.value.trim()) body.note = note.value.trim();
    if (needsContract) {
      if (!contractor.value.trim()) { contractor.focus(); return showError(error, t("move.needContractor")); }
      body.contractor = contractor.value.trim();
      const amt = amount.value.replace(/[,，¥\s]/g, "");
      if (amt) {
        if (!/^\d+(\.\d{1,2})?$/.test(amt)) { amount.focus(); return showError(error, t("move.badAmount")); }
        body.contract_amount = amt;
      }
    }
    ok.disabled = true;
    ok.textContent = t("move.busy");
    try {
      const updated = await api(`/projects/${p.id}/stage`, { method: "POST", body });
      close();
      const fresh = projectPage(updated, ctx);
      fresh.prepend(h("p", { class: "toast", role: "status" }, t("move.done", { stage: stageName(updated.stage) })));
      page.replaceWith(fresh);
      fresh.querySelector("h1").focus();
    } catch (err) {
      showError(error, err.message);
      ok.disabled = false;
      ok.textContent = t("move.ok");
    }
  }

  dialog.append(h("form", { class: "form", novalidate: true, onsubmit },
    h("h2", { id: "mv-h" }, t("move.title")),
    h("p", {}, t("move.confirm", { from: stageName(p.stage), to: stageName(to) })),
    needsContract ? [h("label", { for: "mv-contractor" }, t("move.contractor")), contractor,
      h("label", { for: "mv-amount" }, t("move.amount")), amount] : null,
    h("label", { for: "mv-note" }, t("move.note")), note,
    error,
    h("div", { class: "row" },
      h("button", { type: "button", class: "btn", onclick: close }, t("move.cancel")), ok)));
  dialog.addEventListener("cancel", () => setTimeout(() => dialog.remove()));
  document.body.append(dialog);
  dialog.showModal();
}

function unitPage(u, ctx) {
  ctx.setTitle(u.name);
  const projects = u.projects || [];
  return h("div", { class: "scan" },
    h("article", { class: "card", "data-view": u.view, "data-testid": "unit-card", "aria-labelledby": "uname" },
      h("p", { class: "muted" }, t("unit.title")),
      h("h1", { id: "uname", tabindex: "-1", "data-testid": "unit-name" }, u.name),
      h("dl", { class: "facts" },
        fact(t("unit.kind"), u.kind),
        fact(t("unit.region"), u.region && u.region.name),
        fact(t("unit.address"), u.address),
        fact(t("unit.head"), u.head_name))),
    h("section", { class: "card", "aria-labelledby": "up-h" },
      h("h2", { id: "up-h" }, t("unit.projects", { n: projects.length })),
      h("ul", { class: "plist" }, projects.map((p) => h("li", {},
        h("a", { href: p.code ? `/q/${encodeURIComponent(p.code)}` : `/p/${p.id}`, "data-link": "", class: "pitem" },
          h("span", { class: "pitem-name" }, p.name),
          h("span", { class: "pitem-meta" }, stageBadge(p.stage), h("span", {}, formatMoney(p.budget)))))))));
}
