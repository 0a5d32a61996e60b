// /imports (and /imports/<kind>): every kind of file a county moves in with, on the one import engine —
// regions and people first, then projects, funds, 三资 and subsidies. The kind, the region, the file; a
// job reads it while the screen shows its progress; the per-row report, the column-mapping step, the
// runs with their withdrawal. /subsidies/import is the same screen among the subsidy tabs.
import { api } from "../api.js";
import { fill, h } from "../dom.js";
import { formatDate, t } from "../i18n.js";
import { uuid } from "../outbox.js";
import { regionPicker } from "../region-picker.js";
import { errorBox, errorPage, fact, sheet, showError } from "./common.js";
import { IMPORTERS, tabs } from "./subsidies.js";

const signIn = (ctx) => { ctx.navigate("/login?next=" + encodeURIComponent(location.pathname + location.search), { replace: true }); return null; };

// The kinds by what they are about, in the order a county moves in.
const GROUPS = [
  ["imp.group.base", ["regions", "departments", "users"]],
  ["imp.group.projects", ["units", "projects", "project_payments"]],
  ["imp.group.funds", ["funds", "allocations", "fund_expenditures"]],
  ["imp.group.assets", ["assets", "resources", "resource_contracts", "contract_receipts"]],
  ["imp.group.subsidies", ["policies", "beneficiaries", "disbursements", "notices", "deaths", "employees"]],
];

export async function renderImport(ctx) {
  const { user } = ctx.session;
  ctx.setTitle(t("imp.title"));
  if (!IMPORTERS.includes(user.role)) return errorPage({ message: t("imp.notAllowed") }, ctx);
  // The kinds this role may import, each with its fields and template (one engine for every kind).
  let kinds = [];
  try {
    kinds = (await api("/imports/kinds")).items || [];
  } catch (err) {
    if (err.status === 401) return signIn(ctx);
    return errorPage(err, ctx);
  }
  const en = () => document.documentElement.lang === "en";
  const kindOf = (k) => kinds.find((x) => x.kind === k);
  const kindTitle = (k) => { const x = kindOf(k); return x ? (en() ? x.title.en : x.title.zh) : k; };
  const wanted = ctx.params[0] || ctx.query.get("kind") || "";
  const option = (k) => h("option", { value: k.kind, selected: k.kind === wanted ? "" : null }, kindTitle(k.kind));
  const grouped = new Set(GROUPS.flatMap(([, names]) => names));
  const kind = h("select", { id: "im-kind", required: true, "data-testid": "import-kind" },
    h("option", { value: "" }, t("rectNew.pick")),
    GROUPS.map(([label, names]) => {
      const here = names.map(kindOf).filter(Boolean);
      return here.length ? h("optgroup", { label: t(label) }, here.map(option)) : null;
    }),
    kinds.filter((k) => !grouped.has(k.kind)).map(option));
  const template = h("a", { class: "small", download: "", "data-testid": "import-template", hidden: true }, t("imp.template"));
  const showTemplate = () => {
    const k = kindOf(kind.value);
    template.hidden = !k;
    if (k) template.setAttribute("href", k.template_url);
  };
  kind.addEventListener("change", showTemplate);
  showTemplate();
  // For its own region or one below it, down to a township (a county's roster and registers are
  // imported for the county; a province's 1,360 townships are found by name, not listed).
  const LEVELS = ["province", "city", "county", "township"];
  const region = regionPicker({ id: "im-region", testid: "import-region", label: t("imp.region"), root: user.region,
    levels: LEVELS.slice(Math.max(0, LEVELS.indexOf(user.region.level))), value: user.region,
    onChange: () => { clientUuid = uuid(); } });
  const file = h("input", { id: "im-file", type: "file", accept: ".xlsx,.xlsm,.xls,.csv,.txt,.tsv", required: true, "data-testid": "import-file" });
  const error = errorBox();
  const result = h("div", { "aria-live": "polite", "data-testid": "import-result" });
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block", "data-testid": "import-submit" }, t("imp.submit"));
  const runs = h("div", {});
  // One client_uuid per attempt: kept when the answer is lost (a retry is the same import), new after any answer.
  let clientUuid = uuid();
  for (const el of [kind, file]) el.addEventListener("change", () => { clientUuid = uuid(); });

  const form = h("form", { class: "form card", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    showError(error, "");
    fill(result);
    if (!kind.value) { kind.focus(); return showError(error, t("imp.needKind")); }
    if (!file.files.length) { file.focus(); return showError(error, t("imp.needFile")); }
    const body = new FormData();
    body.append("client_uuid", clientUuid);
    body.append("kind", kind.value);
    body.append("region_id", region.value);
    body.append("file", file.files[0]);
    submit.disabled = true;
    submit.textContent = t("imp.busy");
    try {
      // The upload answers at once (202, queued); a worker imports the file while we poll its run.
      let run = await api("/imports", { method: "POST", form: body });
      clientUuid = uuid();
      submit.textContent = t("imp.running");
      const started = Date.now();
      while (run.status === "queued") {
        fill(result, progress(run, Math.round((Date.now() - started) / 1000)));
        await new Promise((done) => setTimeout(done, 1000));
        run = await api(`/imports/${run.id}`);
      }
      const wrong = (run.errors || []).find((e) => e.code === "wrong_kind");
      if (run.status === "accepted") fill(result, accepted(run), mapping(run));
      // A file of another kind: its kind is offered, not a step matching its columns to this kind's.
      else if (wrong) fill(result, wrongKind(run, wrong));
      else fill(result, rejected(run, run.status === "failed" ? t("imp.failed") : t("imp.rejectedMsg", { n: run.error_count })),
        mapping(run));
      loadRuns();
    } catch (err) {
      if (err.code !== "network") clientUuid = uuid();
      showError(error, err.message);
    } finally {
      submit.disabled = false;
      submit.textContent = t("imp.submit");
    }
    result.scrollIntoView({ block: "start" });
  } },
  h("label", { for: "im-kind" }, t("imp.kind")), kind, template,
  region.el,
  h("label", { for: "im-file" }, t("imp.file")), file,
  h("small", { class: "muted" }, t("imp.fileHint")),
  error, submit);

  /** The file is of another kind (the project register chosen as 资金指标): the server's sentence, and
   * the kind it is, one tap away (the same file imported again as that kind) when this user may import it. */
  function wrongKind(run, problem) {
    const other = kindOf(problem.looks_like);  // (the server's sentence names it also when this user may not import it)
    return h("section", { class: "card import-bad", "data-testid": "import-wrong-kind", "data-looks-like": problem.looks_like },
      h("h2", {}, t("imp.wrongKindTitle")),
      h("p", { class: "error-box", role: "alert" }, (en() ? problem.message.en : problem.message.zh) || problem.code),
      other
        ? h("button", { type: "button", class: "btn btn-primary btn-block", "data-testid": "import-as-kind", onclick: () => {
          kind.value = other.kind;
          kind.dispatchEvent(new Event("change"));  // a new attempt, and that kind's template
          form.requestSubmit();
        } }, t("imp.wrongKindAs", { kind: kindTitle(other.kind) }))
        : h("p", { class: "small", "data-testid": "import-kind-not-yours" }, t("imp.wrongKindNotYours")),
      h("p", { class: "muted small" }, run.filename));
  }

  /** The column-mapping step: when the file's columns were not all known, say which field each one is;
   * saved for the region (next month's file goes straight through), then the same file imported again. */
  function mapping(run) {
    const k = kindOf(run.kind);
    const unknown = (run.headers || []).filter((hd) => !hd.field);
    const missing = (run.errors || []).some((e) => e.code === "header_missing");
    if (!k || !(run.headers || []).length || (!missing && !unknown.length)) return null;
    const selects = run.headers.map((hd, i) => h("select", { id: `map-${i}`, "data-header": hd.text, "data-testid": "map-field" },
      h("option", { value: "" }, t("imp.mapNone")),
      k.fields.map((f) => h("option", { value: f.name, selected: f.name === hd.field ? "" : null },
        `${en() ? f.en : f.zh}${f.required ? " *" : ""}${!hd.field && f.name === hd.suggested ? t("imp.mapNear") : ""}`))));
    const note = errorBox();
    const save = h("button", { type: "button", class: "btn btn-primary btn-block", "data-testid": "map-save", onclick: async () => {
      showError(note, "");
      const columns = {};
      selects.forEach((sel) => { columns[sel.dataset.header] = sel.value || null; });
      try {
        await api(`/imports/kinds/${run.kind}/mapping`, { method: "PUT",
          body: { client_uuid: uuid(), region_id: Number(region.value), columns } });
      } catch (err) {
        return showError(note, err.message);
      }
      clientUuid = uuid();
      form.requestSubmit();
    } }, t("imp.mapSave"));
    return h("section", { class: "card", "data-testid": "import-mapping" },
      h("h2", {}, t("imp.mapTitle")),
      h("p", { class: "small" }, t("imp.mapIntro")),
      run.headers.map((hd, i) => h("div", { class: "map-row" },
        h("label", { for: `map-${i}` }, hd.text), selects[i])),
      note, save);
  }

  function loadRuns() {
    api("/imports", { query: { per_page: 10 } }).then((data) => {
      const items = data.items || [];
      fill(runs, items.length ? h("ul", { class: "run-list", "data-testid": "import-runs" }, items.map((r) => h("li", {
        class: "run", "data-status": r.status, "data-testid": "import-run" },
      h("p", { class: "pay-head" }, h("strong", {}, kindTitle(r.kind)),
        h("span", { class: r.status === "accepted" ? "flag ok" : r.status === "withdrawn" ? "flag warn" : "flag" },
          t(`imp.status.${r.status}`))),
      h("p", { class: "small" }, r.filename),
      h("p", { class: "muted small" }, r.status === "rejected" || r.status === "failed" ? t("imp.problems", { n: r.error_count })
        : r.status === "queued" ? t("imp.running")
          : t("imp.counts", { rows: r.rows, inserted: r.inserted, updated: r.updated, unchanged: r.unchanged }),
      ` · ${r.created_by} · ${formatDate(r.created_at)}`),
      r.status === "withdrawn" ? h("p", { class: "small", "data-testid": "import-withdrawn" },
        t("imp.withdrawnBy", { who: r.withdrawn_by, date: formatDate(r.withdrawn_at), reason: r.withdrawn_reason })) : null,
      h("p", { class: "row-inline" },
        h("a", { href: r.report_url, download: "", class: "small" }, t("imp.report")),
        // A run that added or changed rows can be taken back (the server checks what came after it).
        r.status === "accepted" && (r.inserted > 0 || r.updated > 0)
          ? h("button", { type: "button", class: "btn btn-small", "data-testid": "import-withdraw", onclick: () => withdraw(r) },
            t("imp.withdraw")) : null))))
        : h("p", { class: "empty small" }, t("imp.noRuns")));
    }).catch((err) => fill(runs, h("p", { class: "error-box" }, err.message)));
  }
  loadRuns();

  /** 撤销: the rows the run added are deleted again (one client_uuid per sheet: a retry is the same request). */
  function withdraw(r) {
    const key = uuid();
    const reason = h("textarea", { id: "wd-reason", rows: 3, maxlength: 200, required: true, "data-testid": "withdraw-reason",
      placeholder: t("imp.withdrawHint") });
    sheet({
      title: t("imp.withdrawTitle"), testid: "withdraw", okText: t("imp.withdrawOk"),
      intro: t("imp.withdrawIntro", { file: r.filename, n: r.inserted, m: r.updated, kind: kindTitle(r.kind) }),
      fields: [h("label", { for: "wd-reason" }, t("imp.withdrawReason")), reason],
      onOk: async () => {
        if (!reason.value.trim()) { reason.focus(); return t("imp.withdrawNeedReason"); }
        try {
          await api(`/imports/${r.id}/withdraw`, { method: "POST", body: { client_uuid: key, reason: reason.value.trim() } });
        } catch (err) {
          return err.message;
        }
        fill(result, h("p", { class: "toast", role: "status", "data-testid": "withdraw-done" }, t("imp.withdrawn", { n: r.inserted, m: r.updated })));
        loadRuns();
        return null;
      },
    });
  }

  // Among the subsidy tabs when reached from there; on its own otherwise (every kind, not a subsidy feature).
  const amongSubsidies = location.pathname.startsWith("/subsidies");
  return h("div", { class: amongSubsidies ? "subsidies" : "imports" },
    h("h1", { tabindex: "-1" }, t("imp.title")),
    amongSubsidies ? tabs(user, "/subsidies/import") : null,
    h("p", { class: "small" }, t("imp.intro")),
    form, result,
    h("section", { class: "card", "aria-labelledby": "runs-h" }, h("h2", { id: "runs-h" }, t("imp.runs")), runs));
}

/** While the job runs: its phase, rows read and checked, problems so far. */
function progress(run, seconds) {
  const p = run.progress;
  const line = !p ? t("imp.queued") : p.phase === "reading" ? t("imp.reading")
    : p.phase === "writing" ? t("imp.writing", { rows: p.rows })
      : t("imp.checking", { rows: p.rows, checked: p.checked, problems: p.problems });
  return h("section", { class: "card", "data-testid": "import-progress", role: "status" },
    h("h2", {}, t("imp.running")),
    h("p", { "data-testid": "import-progress-line" }, line),
    p && p.rows ? h("progress", { max: p.rows, value: p.phase === "writing" ? p.rows : p.checked }) : h("progress", {}),
    h("p", { class: "muted small" }, t("imp.elapsed", { s: seconds }), " · ", run.filename));
}

function accepted(run) {
  return h("section", { class: "card import-ok", "data-testid": "import-ok", role: "status" },
    h("h2", {}, t("imp.ok")),
    h("dl", { class: "facts counts" },
      fact(t("imp.rows"), String(run.rows), { "data-testid": "count-rows" }),
      fact(t("imp.inserted"), String(run.inserted), { "data-testid": "count-inserted" }),
      fact(t("imp.updated"), String(run.updated), { "data-testid": "count-updated" }),
      fact(t("imp.unchanged"), String(run.unchanged), { "data-testid": "count-unchanged" })),
    // What the clerk should know although nothing was wrong: columns not used, stored values kept.
    (run.notes || []).length ? h("ul", { class: "notes", "data-testid": "import-notes" }, run.notes.map((n) =>
      h("li", { class: "small", "data-code": n.code }, (document.documentElement.lang === "en" ? n.message.en : n.message.zh) || n.code)))
      : null,
    run.has_secret ? secretBox(run) : null,
    h("p", { class: "muted small" }, run.filename));
}

/** A roster's one-time passwords: fetched on request, shown this once (the server forgets them). */
function secretBox(run) {
  const box = h("div", { "data-testid": "import-secret" });
  const show = h("button", { type: "button", class: "btn btn-primary btn-block", "data-testid": "import-secret-show",
    onclick: async () => {
      show.disabled = true;
      try {
        const { items } = await api(`/imports/${run.id}/secret`, { method: "POST" });
        fill(box, h("p", { class: "small" }, t("imp.secretOnce")),
          h("div", { class: "table-wrap" }, h("table", { class: "data", "data-testid": "import-secret-table" },
            h("thead", {}, h("tr", {}, ["imp.secretUser", "imp.secretName", "imp.secretRegion", "imp.secretPassword"]
              .map((k) => h("th", {}, t(k))))),
            h("tbody", {}, items.map((it) => h("tr", {},
              h("td", { class: "mono" }, it.username), h("td", {}, it.display_name), h("td", {}, it.region),
              h("td", { class: "mono", "data-testid": "import-secret-password" }, it.one_time_password)))))));
      } catch (err) {
        show.disabled = false;
        fill(box, show, h("p", { class: "error-box", role: "alert" }, err.message));
      }
    } }, t("imp.secretShow"));
  fill(box, h("p", { class: "small" }, t("imp.secretIntro")), show);
  return box;
}

function rejected(run, message) {
  const errors = run.errors || [];
  return h("section", { class: "card import-bad", "data-testid": "import-rejected" },
    h("h2", {}, t("imp.rejected")),
    h("p", { class: "error-box", role: "alert" }, message),
    // One problem per row of the list (a table's four columns do not fit a phone's width).
    h("ol", { class: "problems", "data-testid": "import-errors" }, errors.map((e) => h("li", { class: "problem",
      "data-testid": "import-error", "data-row": e.row ?? "" },
    h("p", { class: "problem-where" }, e.row ? t("imp.atRow", { row: e.row }) : t("imp.atFile"), e.column ? ` · ${e.column}` : ""),
    h("p", {}, (document.documentElement.lang === "en" ? e.message.en : e.message.zh) || e.code),
    e.value ? h("p", { class: "muted small mono" }, t("imp.value", { value: e.value })) : null))),
    run.error_count > errors.length ? h("p", { class: "muted small" }, t("imp.more", { n: run.error_count - errors.length })) : null,
    h("a", { href: run.report_url, download: "", class: "btn btn-block", "data-testid": "import-report" }, t("imp.reportDownload")));
}

