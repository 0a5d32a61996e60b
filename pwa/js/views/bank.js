// 一键直连: /bank the township's payment batches (a clerk builds one from a policy and period; anyone
// who sends files uploads the bank's return file), /bank/<id> one batch (submit, approve or reject,
// write the bank's file), /bank/failures the failed payments with where each goes, a fix (new card)
// and the re-issue (补发). Desk screens: the writes go straight to the server, not the outbox.
import { api, csrf } from "../api.js";
import { fill, h } from "../dom.js";
import { formatDate, formatMoney, getLang, t } from "../i18n.js";
import { errorBox, errorPage, fact, regionFilter, regionParam, sheet, showError } from "./common.js";

export const READERS = ["admin", "province", "city", "county", "township_lead", "clerk"];
const SENDERS = ["clerk", "township_lead"];
const signIn = (ctx) => { ctx.navigate("/login?next=" + encodeURIComponent(location.pathname + location.search), { replace: true }); return null; };
const statusBadge = (s, text, testid = "batch-status") => h("span", { class: "badge", "data-status": s, "data-testid": testid }, text);
const local = (item, base) => (getLang() === "en" ? item[`${base}_en`] : item[`${base}_zh`]) || item[`${base}_zh`] || "";

/** An error with its list (a 409 batch_objection names each stopped line): the message, then a line each. */
function showRefusal(box, message, fields = []) {
  showError(box, message);
  const lines = fields.filter((f) => f.zh || f.message);
  if (!message || !lines.length) return;
  for (const f of lines) {
    box.append(h("br"), h("span", { "data-testid": "refusal-line", "data-reason": f.reason || "" },
      `· ${(getLang() === "en" ? f.message : f.zh) || f.message}`));
  }
}

function field(id, label, input) {
  input.id = id;
  return h("div", { class: "field" }, h("label", { for: id }, label), input);
}

/** Upload a return file (pain.002 or the rural bank's success / failure file). */
function returnForm(ctx, batchId) {
  const file = h("input", { type: "file", name: "file", "data-testid": "return-file", accept: ".xml,.txt" });
  const box = errorBox();
  const out = h("p", { class: "muted", "data-testid": "return-result", role: "status" });
  return h("form", { class: "form card", "data-testid": "return-form", onsubmit: async (event) => {
    event.preventDefault();
    showError(box, "");
    if (!file.files.length) return showError(box, t("bank.pickFile"));
    const form = new FormData();
    form.append("file", file.files[0]);
    if (batchId) form.append("batch_id", String(batchId));
    try {
      const r = await api("/bank/returns", { method: "POST", form });
      out.textContent = r.duplicate ? t("bank.returnDuplicate") : t("bank.returnDone", r.counts);
      setTimeout(() => ctx.navigate(location.pathname, { replace: true }), 600);
    } catch (err) {
      showError(box, err.message);
    }
  } },
  h("h2", {}, t("bank.returnTitle")), h("p", { class: "muted" }, t("bank.returnHint")),
  field("return-file", t("bank.file"), file), box, out,
  h("button", { type: "submit", class: "btn btn-primary", "data-testid": "return-submit" }, t("bank.upload")));
}

// ---- /bank -----------------------------------------------------------------------------------------

export async function renderList(ctx) {
  const { user } = ctx.session;
  ctx.setTitle(t("bank.title"));
  let data;
  try {
    data = await api("/bank/batches", { query: { per_page: 50, region_id: regionParam(ctx) } });
  } catch (err) {
    if (err.status === 401) return signIn(ctx);
    return errorPage(err, ctx);
  }
  const parts = [h("h1", {}, t("bank.title")), h("p", { class: "muted" }, t("bank.lead")),
    h("p", {}, h("a", { href: "/bank/failures", "data-link": "", class: "btn", "data-testid": "bank-failures-link" }, t("bank.failures")))];
  if (user.role === "clerk") parts.push(await buildForm(ctx));
  // Above a township: which township each batch is, and a filter down to one.
  const above = ["province", "city", "county", "admin"].includes(user.role) && user.region && user.region.level !== "township";
  if (above) parts.push(regionFilter(ctx, "bank-region"));
  parts.push(h("div", { class: "table-wrap" }, h("table", { class: "data", "data-testid": "batch-list" },
    h("thead", {}, h("tr", {}, [t("bank.batchNo"), above ? t("bank.township") : null, t("bank.policy"), t("bank.period"), t("bank.count"),
      t("bank.total"), t("bank.status")].filter((x) => x !== null).map((x) => h("th", {}, x)))),
    h("tbody", {}, data.items.map((b) => h("tr", { "data-testid": "batch-row" },
      h("td", {}, h("a", { href: `/bank/${b.id}`, "data-link": "" }, b.batch_no), b.kind === "reissue" ? h("span", { class: "badge" }, t("bank.reissueKind")) : null),
      above ? h("td", { "data-testid": "batch-township" }, b.township || "") : null,
      h("td", {}, b.policy || ""), h("td", {}, b.period), h("td", {}, String(b.count)), h("td", {}, formatMoney(b.total)),
      h("td", {}, statusBadge(b.status, local(b, "status")))))))));
  if (!data.items.length) parts.push(h("p", { class: "muted", "data-testid": "batch-empty" }, t("bank.none")));
  if (SENDERS.includes(user.role)) parts.push(returnForm(ctx));
  return h("section", { class: "desk wide" }, parts);
}

async function buildForm(ctx) {
  let policies = [];
  try { policies = (await api("/subsidies/policies")).items; } catch { /* the form says no policy */ }
  const policy = h("select", { name: "policy_id", "data-testid": "build-policy" },
    policies.map((p) => h("option", { value: p.id }, `${p.name}（${p.year}，${formatMoney(p.standard_amount)}/${p.unit}）`)));
  const period = h("input", { name: "period", placeholder: "2026-11", "data-testid": "build-period", required: true });
  const box = errorBox();
  return h("form", { class: "form card", "data-testid": "build-form", onsubmit: async (event) => {
    event.preventDefault();
    showError(box, "");
    try {
      const b = await api("/bank/batches", { method: "POST", body: { policy_id: Number(policy.value), period: period.value.trim() } });
      ctx.navigate(`/bank/${b.id}`);
    } catch (err) {
      showRefusal(box, err.message, err.fields); // batch_empty: a line per reason, with how many
    }
  } },
  h("h2", {}, t("bank.build")), h("p", { class: "muted" }, t("bank.buildHint")),
  field("build-policy", t("bank.policy"), policy), field("build-period", t("bank.period"), period), box,
  h("button", { type: "submit", class: "btn btn-primary", "data-testid": "build-submit" }, t("bank.buildGo")));
}

// ---- /bank/<id> ------------------------------------------------------------------------------------

async function download(batchId, profile, box) {
  const r = await fetch(`/api/v1/bank/batches/${batchId}/export`, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/octet-stream", "X-CSRF-Token": csrf() || "" },
    body: JSON.stringify({ profile }),
  });
  if (!r.ok) {
    let message = t("err.title");
    let fields = [];
    try {
      const e = (await r.json()).error;
      message = (e.message && (getLang() === "en" ? e.message.en : e.message.zh)) || e.code;
      fields = e.fields || [];
    } catch { /* keep */ }
    return showRefusal(box, message, fields);
  }
  const name = (/filename="([^"]+)"/.exec(r.headers.get("Content-Disposition") || "") || [])[1] || "batch";
  const url = URL.createObjectURL(await r.blob());
  const a = h("a", { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 5000);
  return true;
}

export async function renderBatch(ctx) {
  const { user } = ctx.session;
  const id = encodeURIComponent(ctx.params[0]);
  let b;
  try {
    b = await api(`/bank/batches/${id}`);
  } catch (err) {
    if (err.status === 401) return signIn(ctx);
    return errorPage(err, ctx);
  }
  ctx.setTitle(`${t("bank.batch")} ${b.batch_no}`);
  const box = errorBox();
  const reload = () => ctx.navigate(location.pathname, { replace: true });
  const act = (path, body) => async () => {
    showError(box, "");
    try { await api(`/bank/batches/${b.id}/${path}`, { method: "POST", body }); reload(); } catch (err) { showRefusal(box, err.message, err.fields); }
  };
  const reasonSheet = (title, path, testid) => () => {
    const reason = h("textarea", { name: "reason", rows: 3, required: true, "data-testid": `${testid}-reason` });
    sheet({ title, fields: [field(`${testid}-reason`, t("bank.reason"), reason)], testid, onOk: async () => {
      if (!reason.value.trim()) return t("bank.needReason");
      try { await api(`/bank/batches/${b.id}/${path}`, { method: "POST", body: { reason: reason.value.trim() } }); } catch (err) { return err.message; }
      reload();
      return null;
    } });
  };
  const actions = [];
  if (user.role === "clerk" && b.status === "draft") {
    actions.push(h("button", { class: "btn btn-primary", "data-testid": "batch-submit", onclick: act("submit") }, t("bank.submit")));
  }
  const leadTurn = b.status === "submitted" && user.role === "township_lead";
  const countyTurn = b.status === "lead_approved" && user.role === "county";
  if (leadTurn || countyTurn) {
    actions.push(h("button", { class: "btn btn-primary", "data-testid": "batch-approve", onclick: act("approve") }, t("bank.approve")),
      h("button", { class: "btn", "data-testid": "batch-reject", onclick: reasonSheet(t("bank.reject"), "reject", "reject") }, t("bank.reject")));
  }
  if (SENDERS.includes(user.role) && ["approved", "exported", "closed"].includes(b.status)) {
    // Once written, the file is the bank's: only the same file again (the server refuses another format).
    const formats = [["rcb_text", t("bank.exportText")], ["iso20022", t("bank.exportXml")]]
      .filter(([profile]) => b.status === "approved" || !b.export_profile || profile === b.export_profile);
    for (const [profile, label] of formats) {
      actions.push(h("button", { class: "btn", "data-testid": `batch-export-${profile}`, onclick: async () => {
        showError(box, "");
        if (await download(b.id, profile, box) === true) setTimeout(reload, 300);
      } }, label));
    }
  }
  // An objection raised after the batch was built stops its person until the file is written: the
  // clerk takes them out (a submitted or approved batch goes back to draft, to be approved again).
  const stopped = new Map((b.stopped || []).map((x) => [x.payment_id, x]));
  const unsent = ["draft", "submitted", "lead_approved", "approved"].includes(b.status);
  const removable = (l) => user.role === "clerk" && (b.status === "draft" || (unsent && stopped.has(l.id)));
  const lines = h("div", { class: "table-wrap" }, h("table", { class: "data", "data-testid": "batch-lines" },
    h("thead", {}, h("tr", {}, [t("bank.seq"), t("bank.name"), t("bank.village"), t("bank.card"), t("bank.amount"), t("bank.lineStatus"), ""].map((x) => h("th", {}, x)))),
    h("tbody", {}, (b.lines || []).map((l) => h("tr", { "data-testid": "batch-line", "data-status": l.status },
      h("td", {}, String(l.seq)), h("td", {}, l.name), h("td", {}, l.village || ""), h("td", {}, l.bank_card || ""),
      h("td", {}, formatMoney(l.amount)),
      h("td", {}, statusBadge(l.status, local(l, "status"), "line-status"), l.reason_code ? h("small", { class: "muted" }, ` ${l.reason_code} ${local(l, "reason")}`) : null,
        stopped.has(l.id) ? h("small", { class: "line-stopped", "data-testid": "line-stopped", "data-reason": stopped.get(l.id).reason },
          ` ${t("bank.stoppedLine", { reason: local(stopped.get(l.id), "reason") })}`) : null),
      h("td", {}, removable(l) ? h("button", { class: "btn btn-small", "data-testid": "line-remove", onclick: () => {
        const reason = h("input", { name: "reason", required: true, "data-testid": "remove-reason" });
        sheet({ title: t("bank.remove"), intro: l.name, fields: [field("remove-reason", t("bank.reason"), reason)], testid: "remove", onOk: async () => {
          if (!reason.value.trim()) return t("bank.needReason");
          try { await api(`/bank/batches/${b.id}/remove`, { method: "POST", body: { payment_id: l.id, reason: reason.value.trim() } }); } catch (err) { return err.message; }
          reload();
          return null;
        } });
      } }, t("bank.remove")) : null))))));
  const refused = (b.refused || []).length ? h("details", { class: "card", "data-testid": "batch-refused" },
    h("summary", {}, t("bank.refused", { n: b.refused.length })),
    h("ul", {}, b.refused.map((r) => h("li", { "data-testid": "refused-item", "data-reason": r.reason }, `${r.name}（${r.id_number}）：${local(r, "reason")}`)))) : null;
  const removed = (b.removed || []).length ? h("details", { class: "card" }, h("summary", {}, t("bank.removed", { n: b.removed.length })),
    h("ul", {}, b.removed.map((r) => h("li", {}, `${r.name} ${formatMoney(r.amount)}：${r.reason}`)))) : null;
  return h("section", { class: "desk wide" },
    h("p", {}, h("a", { href: "/bank", "data-link": "" }, "← " + t("bank.title"))),
    h("h1", {}, `${t("bank.batch")} ${b.batch_no}`),
    h("dl", { class: "facts" },
      fact(t("bank.status"), statusBadge(b.status, local(b, "status"))),
      fact(t("bank.policy"), b.policy), fact(t("bank.period"), b.period), fact(t("bank.township"), b.township),
      fact(t("bank.count"), String(b.count), { "data-testid": "batch-count" }),
      fact(t("bank.total"), formatMoney(b.total), { "data-testid": "batch-total" }),
      b.needs_county ? fact(t("bank.county"), t("bank.countyNeeded")) : null,
      fact(t("bank.sha"), b.export_sha256 ? h("code", { "data-testid": "batch-sha" }, b.export_sha256) : null),
      fact(t("bank.created"), formatDate(b.created_at))),
    b.rejected_reason && b.status === "draft" ? h("p", { class: "error-box", "data-testid": "batch-rejected" }, t("bank.rejected", { reason: b.rejected_reason })) : null,
    stopped.size ? h("p", { class: "error-box", "data-testid": "batch-stopped" },
      t(b.status === "draft" ? "bank.stoppedDraft" : "bank.stopped", { n: stopped.size })) : null,
    box, h("div", { class: "row actions" }, actions), refused, removed, lines,
    ["exported", "closed"].includes(b.status) ? reconciliation(b.id) : null,
    SENDERS.includes(user.role) && ["exported", "closed"].includes(b.status) ? returnForm(ctx, b.id) : null);
}

/** 三方对账: the notice ↔ the batches ↔ the bank's result for this policy and period, village by village. */
function reconciliation(batchId) {
  const body = h("div", { "data-testid": "reconciliation-body" }, h("p", { class: "muted small" }, "…"));
  const en = () => getLang() === "en";
  api(`/bank/batches/${batchId}/reconciliation`).then((r) => {
    fill(body, // (not replaceChildren: a clean check has no findings table, and null would be the text "null")
      h("p", { class: r.clean ? "toast" : "error-box", "data-testid": "reconciliation-verdict" },
        r.clean ? t("rec.clean") : t("rec.findings", { n: r.findings.length })),
      h("div", { class: "table-wrap" }, h("table", { class: "data", "data-testid": "reconciliation-villages" },
        h("thead", {}, h("tr", {}, [t("rec.village"), t("rec.notice"), t("rec.paid"), t("rec.diff")].map((x) => h("th", {}, x)))),
        h("tbody", {}, r.villages.map((v) => h("tr", {},
          h("td", {}, v.region.name), h("td", {}, `${v.notice_count} · ${formatMoney(v.notice_amount)}`),
          h("td", {}, `${v.paid_count} · ${formatMoney(v.paid_amount)}`), h("td", {}, String(v.findings))))))),
      r.findings.length ? h("div", { class: "table-wrap" }, h("table", { class: "data", "data-testid": "reconciliation-findings" },
        h("thead", {}, h("tr", {}, [t("rec.kind"), t("rec.person"), t("rec.village"), t("rec.noticeAmount"), t("rec.paidAmount"), t("rec.line")]
          .map((x) => h("th", {}, x)))),
        h("tbody", {}, r.findings.map((f) => h("tr", { "data-kind": f.kind, "data-testid": "reconciliation-finding" },
          h("td", {}, en() ? f.en : f.zh), h("td", {}, f.name || ""), h("td", {}, f.village || ""),
          h("td", {}, f.notice_amount ? formatMoney(f.notice_amount) : "—"), h("td", {}, f.paid_amount ? formatMoney(f.paid_amount) : "—"),
          h("td", {}, f.batch_no ? `${f.batch_no} #${f.seq}` : "—")))))) : null);
  }).catch((err) => body.replaceChildren(h("p", { class: "error-box" }, err.message)));
  return h("section", { class: "card", "data-testid": "reconciliation" }, h("h2", {}, t("rec.title")), body);
}

// ---- /bank/failures --------------------------------------------------------------------------------

export async function renderFailures(ctx) {
  const { user } = ctx.session;
  ctx.setTitle(t("bank.failures"));
  let data;
  try {
    data = await api("/bank/failures");
  } catch (err) {
    if (err.status === 401) return signIn(ctx);
    return errorPage(err, ctx);
  }
  const reload = () => ctx.navigate(location.pathname, { replace: true });
  const can = SENDERS.includes(user.role);
  const rows = data.items.map((f) => {
    const box = errorBox();
    const fix = can && !f.fixed ? h("button", { class: "btn btn-small", "data-testid": "failure-fix", onclick: () => {
      const card = h("input", { name: "bank_card", inputmode: "numeric", "data-testid": "fix-card" });
      const note = h("input", { name: "note", "data-testid": "fix-note" });
      sheet({ title: t("bank.fix"), intro: `${f.name} · ${f.reason_code} ${local(f, "reason")}`, testid: "fix",
        fields: [field("fix-card", t("bank.newCard"), card), field("fix-note", t("bank.note"), note)], onOk: async () => {
          try { await api(`/bank/payments/${f.id}/fix`, { method: "POST", body: { bank_card: card.value.trim() || undefined, note: note.value.trim() || undefined } }); } catch (err) { return err.message; }
          reload();
          return null;
        } });
    } }, t("bank.fix")) : null;
    const reissue = can && f.fixed && !f.reissued ? h("button", { class: "btn btn-primary btn-small", "data-testid": "failure-reissue", onclick: async (event) => {
      event.target.disabled = true;
      try { await api(`/bank/payments/${f.id}/reissue`, { method: "POST" }); reload(); } catch (err) { showError(box, err.message); event.target.disabled = false; }
    } }, t("bank.reissue")) : null;
    return h("tr", { "data-testid": "failure-row", "data-reason": f.reason_code },
      h("td", {}, h("a", { href: `/bank/${f.batch_id}`, "data-link": "" }, f.end_to_end_id)), h("td", {}, f.name), h("td", {}, f.village || ""),
      h("td", {}, f.policy || ""), h("td", {}, formatMoney(f.amount)),
      h("td", {}, `${f.reason_code} ${local(f, "reason")}`, f.bank_words ? h("small", { class: "muted" }, t("bank.bankSaid", { words: f.bank_words })) : null),
      h("td", { "data-testid": "failure-route" }, f.route ? t("bank.routeTo", { route: local(f, "route"), to: f.route_to || "" }) : ""),
      h("td", { "data-testid": "failure-state" }, f.reissued ? t("bank.reissued") : f.fixed ? t("bank.fixed") : t("bank.open")),
      h("td", {}, fix, reissue, box));
  });
  return h("section", { class: "desk wide" },
    h("p", {}, h("a", { href: "/bank", "data-link": "" }, "← " + t("bank.title"))),
    h("h1", {}, t("bank.failures")), h("p", { class: "muted" }, t("bank.failuresLead")),
    rows.length ? h("div", { class: "table-wrap" }, h("table", { class: "data", "data-testid": "failure-list" },
      h("thead", {}, h("tr", {}, [t("bank.payment"), t("bank.name"), t("bank.village"), t("bank.policy"), t("bank.amount"), t("bank.why"), t("bank.route"), t("bank.state"), ""].map((x) => h("th", {}, x)))),
      h("tbody", {}, rows))) : h("p", { class: "muted", "data-testid": "failure-empty" }, t("bank.noFailures")));
}
