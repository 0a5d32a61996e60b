// /rectifications: tabs 待我整改 (an inspector's own) / 待审核 / 逾期 / 全部, a region filter (?region=),
// each naming its township (and county). /rectifications/<id>: the
// requirement, the original finding (整改前: the warning's evidence or the source inspection with
// its photos) beside the submitted evidence (整改后: text + photos), the history, and only the
// actions this user may take: the responsible inspector submits evidence (text, photos shrunk on
// the phone, position — through the outbox, so it works offline like an inspection); the township
// lead approves or sends back (with the version seen, so a race is told plainly); lead or county
// closes as not fixable; an upper supervisor reopens.
import { api } from "../api.js";
import { fill, h } from "../dom.js";
import { formatDate, t } from "../i18n.js";
import * as outbox from "../outbox.js";
import { errorBox, errorPage, exportLinks, fact, levelBadge, local, pageAsked, pager, photoGrid, placeTag, rectBadge, regionFilter,
  regionParam, sendWrite, sheet, showError, totalOf } from "./common.js";
import { photoPicker } from "./photo-picker.js";
import * as stored from "../drafts.js";
import { SUPERVISORS, evidenceList } from "./risks.js";

const PER_PAGE = 20;
const MAX_PHOTOS = 12;
const projectHref = (p) => (p.code ? `/q/${encodeURIComponent(p.code)}` : `/p/${p.id}`);
const who = (u) => (u && (u.display_name || u.username)) || t("project.none");
const time = (iso) => {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso
    : `${formatDate(iso)} ${d.toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: "Asia/Shanghai" })}`;
};

// ---- the list ---------------------------------------------------------------------------------------

const TAB_QUERY = {
  mine: { mine: "true", status: "open" },
  submitted: { status: "submitted" },
  overdue: { overdue: "true" },
  all: { status: "all" },
};

function tabsFor(role) {
  if (role === "inspector") return ["mine", "overdue", "all"];
  if (role === "township_lead") return ["submitted", "overdue", "all"];
  return ["overdue", "submitted", "all"];
}

/** One rectification as a list row; ``placeFor``: the user to name its place for. */
export function rectRow(r, placeFor = null) {
  return h("li", {},
    h("a", { href: `/rectifications/${r.id}`, "data-link": "", class: r.overdue ? "ritem rect overdue" : "ritem rect",
      "data-testid": "rect-row", "data-rect-id": r.id, "data-status": r.status, "data-overdue": r.overdue ? "true" : "false" },
    h("span", { class: "ritem-head" }, rectBadge(r.status),
      h("span", { class: "ritem-rule" }, r.project ? r.project.name : "")),
    h("span", { class: "ritem-why clamp" }, r.requirement),
    h("span", { class: "ritem-meta small" },
      placeFor ? placeTag(r, placeFor) : null,
      h("span", {}, who(r.responsible)),
      h("span", { class: r.overdue ? "due bad" : "due" }, t("rects.due", { date: formatDate(r.due_on) })),
      r.overdue ? h("span", { class: "flag", "data-testid": "rect-overdue" }, t("rects.overdue")) : null,
      r.escalated_at ? h("span", { class: "flag warn" }, t("rects.escalated")) : null)));
}

export async function renderList(ctx) {
  ctx.setTitle(t("rects.title"));
  const user = ctx.session.user;
  const tabs = tabsFor(user.role);
  const tab = tabs.includes(ctx.query.get("tab")) ? ctx.query.get("tab") : tabs[0];
  const { page, after } = pageAsked(ctx);
  const region = regionParam(ctx);
  const url = (tb, p = 1, next = "") => `/rectifications?tab=${tb}` + (region ? `&region=${region}` : "") + (p > 1 ? `&page=${p}` : "")
    + (next ? `&after=${next}` : "");
  let data;
  try {
    data = await api("/rectifications", { query: { ...TAB_QUERY[tab], region_id: region, page, after, per_page: PER_PAGE } });
  } catch (err) {
    if (err.status === 401) { ctx.navigate("/login?next=" + encodeURIComponent(location.pathname + location.search), { replace: true }); return null; }
    return errorPage(err, ctx);
  }
  const items = data.items || [];
  return h("div", { class: "rects" },
    h("h1", { tabindex: "-1" }, t("rects.title")),
    h("nav", { class: "tabs", "aria-label": t("rects.tabs"), "data-testid": "rect-tabs" }, tabs.map((tb) =>
      h("a", { href: url(tb), "data-link": "", class: "tab", "aria-current": tb === tab ? "page" : null, "data-testid": `tab-${tb}` },
        t(`rects.tab.${tb}`)))),
    h("div", { class: "filters" }, regionFilter(ctx)),
    h("p", { class: "muted small list-head", "aria-live": "polite" }, t("rects.total", { total: totalOf(data) }),
      exportLinks("/rectifications", { ...TAB_QUERY[tab], region_id: region }, "rects-export")),
    items.length ? h("ul", { class: "rlist", "data-testid": "rect-list" }, items.map((r) => rectRow(r, user)))
      : h("p", { class: "empty", "data-testid": "rect-empty" }, t("rects.empty")),
    pager(data, page, PER_PAGE, (over) => url(tab, over.page || 1, over.after)));
}

// ---- one rectification ------------------------------------------------------------------------------

export async function renderDetail(ctx) {
  let r;
  try {
    r = await api(`/rectifications/${encodeURIComponent(ctx.params[0])}`);
  } catch (err) {
    if (err.status === 401) { ctx.navigate("/login?next=" + encodeURIComponent(location.pathname), { replace: true }); return null; }
    return errorPage(err, ctx);
  }
  const page = detailPage(r, ctx);
  if (ctx.query.get("evidence") === "1" && mayAct(r, ctx.session.user).submit) return evidenceForm(r, ctx, page);
  return page;
}

function mayAct(r, user) {
  const role = user.role;
  return {
    submit: r.status === "open" && r.responsible && Number(r.responsible.id) === Number(user.id),
    review: r.status === "submitted" && ["township_lead", "county"].includes(role),
    close: ["open", "submitted"].includes(r.status) && ["township_lead", "county"].includes(role),
    reopen: ["approved", "closed_not_fixed"].includes(r.status) && SUPERVISORS.includes(role),
  };
}

/** 整改前: the warning that started it (explanation + evidence) or the inspection finding with photos. */
function beforeColumn(r) {
  const parts = [];
  if (r.warning) {
    const w = r.warning;
    parts.push(h("div", { class: "cmp-block", "data-testid": "before-warning" },
      h("p", { class: "row-inline" }, levelBadge(w.level),
        h("a", { href: `/risks/${w.id}`, "data-link": "" }, t("rects.fromWarning", { rule: local(w.rule, "name") }))),
      h("p", {}, local(w, "explanation")),
      evidenceList(w)));
  }
  if (r.source_inspection) {
    const si = r.source_inspection;
    parts.push(h("div", { class: "cmp-block", "data-testid": "before-inspection" },
      h("p", { class: "muted small" }, t("rects.fromInspection", { verdict: si.verdict ? t(`verdict.${si.verdict}`) : "" })),
      si.findings ? h("p", {}, si.findings) : null,
      photoGrid(si.photos, "before-photo")));
  }
  return parts.length ? parts : h("p", { class: "muted" }, t("rects.noBefore"));
}

/** 整改后: every submission, newest first (text, who, when, photos); what this phone still holds, too. */
function afterColumn(r, localBox) {
  const subs = [...(r.submissions || [])].sort((a, b) => String(b.submitted_at).localeCompare(String(a.submitted_at)));
  const parts = subs.map((s, i) => h("div", { class: i ? "cmp-block older" : "cmp-block", "data-testid": "submission" },
    h("p", { class: "muted small" }, t("rects.submittedBy", { who: who(s.submitted_by), at: time(s.submitted_at) })),
    s.text ? h("p", { "data-testid": "submission-text" }, s.text) : null,
    photoGrid(s.photos, "after-photo")));
  if (localBox) parts.unshift(localBox);
  return parts.length ? parts : h("p", { class: "muted", "data-testid": "no-after" }, t("rects.noAfter"));
}

// The server records verbs (open, submit, approve, …); the lifecycle uses past tenses: both are read.
const HISTORY_ALIASES = { open: "opened", submit: "submitted", approve: "approved", reject: "rejected",
  close_unfixed: "closed_unfixed", reopen: "reopened", escalate: "escalated" };
const HISTORY_WORDS = new Set(["opened", "submitted", "approved", "rejected", "closed_unfixed", "reopened", "escalated"]);
function historyList(r) {
  const items = [...(r.history || [])].sort((a, b) => String(b.at).localeCompare(String(a.at)));
  if (!items.length) return null;
  return h("section", { class: "card", "aria-labelledby": "hist-h" },
    h("h2", { id: "hist-h" }, t("rects.history")),
    h("ol", { class: "timeline", "data-testid": "rect-history" }, items.map((x) => {
      const raw = String(x.action || "").replace(/^rectification_/, "").replace("-", "_");
      const action = HISTORY_ALIASES[raw] || raw;
      const actor = x.actor && typeof x.actor === "object" ? who(x.actor) : x.actor || "";
      return h("li", { class: "tl-item", "data-kind": action, "data-testid": "history-item" },
        h("time", { datetime: x.at }, time(x.at)),
        h("p", {}, HISTORY_WORDS.has(action) ? t(`rects.hist.${action}`) : action, actor ? ` · ${actor}` : ""),
        x.reason ? h("p", { class: "muted small" }, t("rects.reason", { reason: x.reason })) : null);
    })));
}

function detailPage(r, ctx) {
  const user = ctx.session.user;
  const may = mayAct(r, user);
  ctx.setTitle(t("rects.title"));
  const localBox = h("div", { class: "cmp-block local", "data-testid": "after-local", hidden: true });
  const page = h("div", { class: "rect has-dock", "data-testid": "rect-page", "data-status": r.status, "data-version": r.version },
    h("article", { class: r.overdue ? "card rect-card overdue" : "card rect-card", "data-testid": "rect-card" },
      h("p", { class: "row-inline" }, rectBadge(r.status),
        r.overdue ? h("span", { class: "flag", "data-testid": "rect-overdue" }, t("rects.overdue")) : null,
        r.escalated_at ? h("span", { class: "flag warn" }, t("rects.escalated")) : null,
        h("span", { class: "muted small" }, `#${r.id}`)),
      h("h1", { tabindex: "-1", "data-testid": "rect-requirement-text" }, r.requirement),
      h("dl", { class: "facts" },
        fact(t("rects.project"), r.project ? h("a", { href: projectHref(r.project), "data-link": "" }, r.project.name) : null),
        fact(t("rects.responsible"), who(r.responsible), { "data-testid": "rect-responsible-name" }),
        fact(t("rects.createdBy"), t("rects.createdLine", { who: who(r.created_by), date: formatDate(r.created_at) })),
        fact(t("rectNew.due"), h("span", { class: r.overdue ? "due bad" : "due" }, formatDate(r.due_on))))),
    h("section", { class: "card", "aria-labelledby": "cmp-h" },
      h("h2", { id: "cmp-h" }, t("rects.compare")),
      h("div", { class: "compare", "data-testid": "compare" },
        h("div", { class: "cmp-col before", "data-testid": "before" }, h("h3", { class: "cmp-label" }, t("rects.before")), beforeColumn(r)),
        h("div", { class: "cmp-col after", "data-testid": "after" }, h("h3", { class: "cmp-label" }, t("rects.after")), afterColumn(r, localBox)))),
    historyList(r));
  pendingHere(r, ctx, localBox);

  const act = (name, body, done) => actAndReload(r, ctx, name, body, done);
  const buttons = [];
  if (may.submit) {
    buttons.push(h("button", { type: "button", class: "btn btn-primary btn-block btn-big", "data-testid": "rect-submit-open",
      onclick: () => { history.replaceState({}, "", `${location.pathname}?evidence=1`); evidenceForm(r, ctx, page); } }, t("rectAct.submit")));
  }
  if (may.review) {
    buttons.push(h("div", { class: "row review" },
      h("button", { type: "button", class: "btn btn-big", "data-testid": "rect-reject",
        onclick: () => reasonSheet("reject", t("rectAct.rejectTitle"), t("rectAct.rejectReason"), act) }, t("rectAct.reject")),
      h("button", { type: "button", class: "btn btn-primary btn-big", "data-testid": "rect-approve",
        onclick: () => approveSheet(act) }, t("rectAct.approve"))));
  }
  if (may.close) {
    buttons.push(h("button", { type: "button", class: buttons.length ? "btn btn-block dock-more" : "btn btn-block", "data-testid": "rect-close",
      onclick: () => reasonSheet("close-unfixed", t("rectAct.closeTitle"), t("rectAct.closeReason"), act) }, t("rectAct.closeUnfixed")));
  }
  if (may.reopen) {
    buttons.push(h("button", { type: "button", class: "btn btn-block btn-big", "data-testid": "rect-reopen",
      onclick: () => reasonSheet("reopen", t("rectAct.reopenTitle"), t("rectAct.reopenReason"), act) }, t("rectAct.reopen")));
  }
  if (!buttons.length) page.classList.remove("has-dock");
  else page.append(h("nav", { class: "dock", "aria-label": t("rects.title") }, buttons));
  return page;
}

/** Evidence for this rectification that this phone has not uploaded yet (so it is seen as not lost). */
function pendingHere(r, ctx, box) {
  const draw = async () => {
    const [q, f] = await Promise.all([outbox.queued(), outbox.failed()]);
    const mine = [...q, ...f].filter((e) => e.label && Number(e.label.rectification_id) === Number(r.id) && e.kind === "rect_evidence");
    if (!mine.length) { box.hidden = true; return; }
    fill(box, h("p", { class: "muted small" }, h("span", { class: "flag warn" }, t("evidence.local")), " ",
      h("a", { href: "/outbox", "data-link": "" }, t("rects.pendingLocal", { n: mine.length }))),
    mine.map((e) => (e.json && e.json.text ? h("p", {}, e.json.text) : null)));
    box.hidden = false;
  };
  ctx.onLeave(outbox.subscribe(() => { draw().catch(() => {}); }));
}

// ---- actions ----------------------------------------------------------------------------------------

/** Send one action; on a stale version say so and show the fresh state; otherwise reload with a note. */
async function actAndReload(r, ctx, name, extra) {
  const clientUuid = outbox.uuid();
  const json = { client_uuid: clientUuid, ...extra };
  if (name === "approve" || name === "reject") json.expected_version = r.version;
  const res = await sendWrite({ id: clientUuid, kind: "rect_action", method: "POST", url: `/api/v1/rectifications/${r.id}/${name}`, json,
    label: { project_id: r.project && r.project.id, project_name: r.project ? r.project.name : "", rectification_id: r.id, action: name } });
  if (res.state === "failed") {
    if (res.code === "rectification_changed" || res.code === "transition_not_allowed") {
      ctx.flash(t("rectAct.changed"));
      ctx.navigate(location.pathname, { replace: true });
      return null;
    }
    return res.message;
  }
  ctx.flash(res.state === "queued" ? t("risks.queued") : t(`rectAct.done.${name}`));
  ctx.navigate(location.pathname, { replace: true });
  return null;
}

function reasonSheet(name, title, label, act) {
  const reason = h("textarea", { id: "ra-reason", rows: 3, maxlength: 1000, required: true, "data-testid": "action-reason" });
  sheet({
    title, testid: "action", fields: [h("label", { for: "ra-reason" }, label), reason],
    onOk: async () => {
      if (!reason.value.trim()) { reason.focus(); return t("risks.needReason"); }
      return act(name, { reason: reason.value.trim() });
    },
  });
}

function approveSheet(act) {
  const note = h("textarea", { id: "ra-note", rows: 2, maxlength: 1000, "data-testid": "action-note" });
  sheet({
    title: t("rectAct.approveTitle"), testid: "action", intro: t("rectAct.approveConfirm"), okText: t("rectAct.approve"),
    fields: [h("label", { for: "ra-note" }, t("rectAct.approveNote")), note],
    onOk: async () => act("approve", note.value.trim() ? { note: note.value.trim() } : {}),
  });
}

// ---- the evidence form ------------------------------------------------------------------------------

const fmtCoord = (n) => Number(n).toFixed(5);

function evidenceForm(r, ctx, detail) {
  ctx.setTitle(t("evidence.title"));
  const state = { position: null };
  const error = errorBox();
  // A draft on the phone until it is handed in (see drafts.js): the browser may be killed while the
  // camera app takes the "after" photo.
  const draftKey = `${ctx.session.user.id}|rect|${r.id}`;
  const keepText = () => (text.value.trim() ? stored.saveFields(draftKey, { text: text.value }) : stored.forgetFields(draftKey));
  const text = h("textarea", { id: "ev-text", rows: 4, maxlength: 2000, "data-testid": "evidence-text", placeholder: t("evidence.textHint"),
    oninput: keepText });

  // Position, watched while the form is open (the freshest fix goes with the evidence).
  const posText = h("span", { "data-testid": "position" }, t("geo.locating"));
  let watchId = null;
  const stopWatch = () => { if (watchId !== null) navigator.geolocation.clearWatch(watchId); watchId = null; };
  ctx.onLeave(stopWatch);
  if ("geolocation" in navigator) {
    watchId = navigator.geolocation.watchPosition((pos) => {
      const c = pos.coords;
      state.position = { lat: Math.round(c.latitude * 1e7) / 1e7, lng: Math.round(c.longitude * 1e7) / 1e7 };
      posText.textContent = t("geo.at", { lat: fmtCoord(c.latitude), lng: fmtCoord(c.longitude), acc: Math.round(c.accuracy) });
      posText.dataset.ok = "true";
    }, (err) => {
      if (state.position) return;
      posText.textContent = err && err.code === 1 ? t("geo.deniedForm") : t("geo.failedForm");
      posText.dataset.ok = "false";
    }, { enableHighAccuracy: true, timeout: 30000, maximumAge: 10000 });
  } else posText.textContent = t("geo.unsupportedForm");

  // Photos: shrunk, EXIF read and hashed on the phone, one at a time (cheap phones).
  const picker = photoPicker(ctx, { id: "ev-photo", max: MAX_PHOTOS, onError: (message) => showError(error, message),
    onChange: (photos) => stored.savePhotos(draftKey, photos) });
  const restoredNote = h("p", { class: "notice small", "data-testid": "draft-restored", hidden: true });
  stored.load(draftKey).then((saved) => {
    if (!saved || !form.isConnected) return;
    if (saved.fields.text && !text.value) text.value = saved.fields.text;
    picker.restore(saved.photos);
    restoredNote.textContent = t("evidence.draftRestored", { n: saved.photos.length });
    restoredNote.hidden = false;
  });

  const submit = h("button", { type: "submit", class: "btn btn-primary btn-big", "data-testid": "evidence-submit" }, t("evidence.submit"));
  const cancel = () => {
    stored.drop(draftKey);
    stopWatch();
    history.replaceState({}, "", location.pathname);
    ctx.setTitle(t("rects.title"));
    form.replaceWith(detail);
  };
  async function onsubmit(event) {
    event.preventDefault();
    showError(error, "");
    if (picker.busy()) { submit.disabled = true; submit.textContent = t("inspect.waitPhotos"); await picker.settled(); submit.disabled = false; submit.textContent = t("evidence.submit"); }
    if (!text.value.trim()) { text.focus(); return showError(error, t("evidence.needText")); }
    if (!picker.photos.length) return showError(error, t("evidence.needPhoto"));
    submit.disabled = true;
    const evId = outbox.uuid();
    const pos = state.position;
    const json = { client_uuid: evId, text: text.value.trim() };
    if (pos) Object.assign(json, pos);
    const label = { project_id: r.project && r.project.id, project_name: r.project ? r.project.name : "", rectification_id: r.id };
    const entries = [{ id: evId, kind: "rect_evidence", method: "POST", url: `/api/v1/rectifications/${r.id}/evidence`, json,
      label: { ...label, photos: picker.photos.length } }];
    picker.photos.forEach((ph, i) => {
      const f = { client_uuid: ph.id, sha256: ph.sha256, taken_at: ph.taken_at,
        exif_taken_at: ph.exif_taken_at, exif_lat: ph.exif_lat, exif_lng: ph.exif_lng };
      if (pos) Object.assign(f, pos);
      entries.push({ id: ph.id, kind: "rect_photo", method: "POST", url: `/api/v1/rectifications/evidence/${evId}/photos`, form: f,
        blob: ph.blob, filename: `rectification-${i + 1}.jpg`, after: evId,
        label: { ...label, n: i + 1, bytes: ph.bytes, width: ph.width, height: ph.height } });
    });
    try {
      await outbox.enqueue(entries);
    } catch (err) {
      submit.disabled = false;
      return showError(error, t("inspect.saveFailed", { message: (err && err.message) || "" }));
    }
    await stored.drop(draftKey);
    stopWatch();
    submit.textContent = t("rectAct.busy");
    // With signal this takes a moment; without it the entries wait in the outbox and go by themselves.
    await Promise.race([outbox.replayNow({ force: true }), new Promise((resolve) => setTimeout(resolve, 20000))]);
    const left = (await Promise.all(entries.map((e) => outbox.find(e.id)))).filter(Boolean);
    ctx.flash(left.length ? t("evidence.queued", { n: left.length }) : t("evidence.sent"));
    ctx.navigate(location.pathname, { replace: true });
  }

  const form = h("form", { class: "inspect has-dock", novalidate: true, onsubmit, "data-testid": "evidence-form" },
    h("section", { class: "card" },
      h("p", { class: "muted small" }, t("evidence.title"), r.project ? ` · ${r.project.name}` : ""),
      h("h1", { tabindex: "-1" }, r.requirement),
      h("p", { class: "muted small" }, t("rects.due", { date: formatDate(r.due_on) })), restoredNote),
    h("section", { class: "card" },
      h("label", { for: "ev-text" }, t("evidence.text")), text),
    h("section", { class: "card", "aria-labelledby": "evp-h" },
      h("h2", { id: "evp-h" }, t("evidence.photos")),
      picker.thumbs, picker.status,
      h("label", { for: "ev-photo", class: "btn btn-block", "data-testid": "photo-take" }, t("inspect.takePhoto")),
      picker.input,
      h("p", { class: "muted small" }, t("inspect.photoHint"))),
    h("section", { class: "card", "aria-labelledby": "evpos-h" },
      h("h2", { id: "evpos-h" }, t("inspect.position")),
      h("p", { class: "pos" }, posText)),
    error,
    h("div", { class: "dock" },
      h("div", { class: "row" },
        h("button", { type: "button", class: "btn", onclick: cancel }, t("move.cancel")),
        submit)));
  if (detail.isConnected) { detail.replaceWith(form); window.scrollTo(0, 0); form.querySelector("h1").focus(); }
  return form;
}
