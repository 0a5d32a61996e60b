// One region picker for every form that asks "which region?" (a province holds 90 counties, 1,360
// townships and 20,000 villages: no flat list serves that). The user types part of a name or a code
// and the server searches (GET /regions?q=, under the place browsed to), or steps down the tree from
// their own region (province → city → county → township → village). Lists page on ("显示更多"), so
// nothing silently stops at 100. Only the levels the form needs can be chosen; the choice is shown
// with its whole path (临安区 / 锦城街道 / 钱王社区).
//
// Keyboard: the text box is a combobox over a listbox — ↓/↑ move, Enter chooses (or opens a region
// that cannot be chosen), → opens the highlighted region, ← or Backspace in an empty box goes up one
// level, Esc closes the list.
import { api } from "./api.js";
import { fill, h } from "./dom.js";
import { t } from "./i18n.js";

const LEVELS = ["province", "city", "county", "township", "village"];
const PAGE = 50;
const rank = (level) => LEVELS.indexOf(level);

/** "临安区 / 锦城街道 / 钱王社区": the region under the user's own region (the province is left out
 * when that is the user's: everyone in it knows it). ``ancestors`` as GET /regions lists them. */
export function regionPath(region, root) {
  if (!region) return "";
  const from = Math.max(rank(root && root.level), rank("city"));
  return [...(region.ancestors || []).filter((a) => rank(a.level) >= from), region].map((r) => r.name).join(" / ");
}

/** One page of GET /regions (or of another paged list: ``path``) for a list that loads more:
 * "loading" in ``status``, a second tap on ``more`` while a page is on its way ignored (it would ask
 * for the same page), the error shown when it fails; null when it failed or a newer request
 * (``latest()`` false) has been made since. */
export async function regionPage(query, { status, more, append, latest, path = "/regions" }) {
  status.textContent = t("app.loading");
  more.dataset.busy = append ? "1" : "";
  let data;
  try {
    data = await api(path, { query });
  } catch (err) {
    if (latest()) { status.textContent = err.message; more.hidden = true; more.dataset.busy = ""; }
    return null;
  }
  if (!latest()) return null;
  more.dataset.busy = "";
  return data;
}

/**
 * regionPicker({ id, label, root, levels, value, onChange, testid }) → { el, value, region, set, focus }
 * - root: where stepping down starts and what a search stays within (the user's own region)
 * - levels: the levels that may be chosen (e.g. ["township"]); the others are only stepped through
 * - value: the region chosen at first (or null); onChange(region) after every choice
 * - none: what the line above the box says while nothing is chosen (a filter: "全部（临安区）")
 * The chosen id is ``picker.value`` ("" when none), like a select's; ``setLevels`` changes what may
 * be chosen (a new user's role), dropping a choice that no longer fits.
 */
export function regionPicker({ id, label, root, levels, value = null, onChange = () => {}, testid = id, none = null }) {
  let deepest = Math.max(...levels.map(rank));
  const choosable = (r) => levels.includes(r.level);
  const canOpen = (r) => rank(r.level) < deepest;
  let chosen = value;
  let trail = [root]; // from the root down to the region being browsed
  let items = [], next = null, total = 0, capped = false, active = -1, asked = 0, timer = null, reveal = false;

  // (a level's name inside a sentence: "a township or village", not "a Township or Village")
  const placeholder = () => t("picker.placeholder", { levels: levels.map((l) => t(`regions.level.${l}`).toLocaleLowerCase()).join(t("picker.or")) });
  const listId = `${id}-list`;
  const chosenText = h("span", { class: "rp-path", "data-testid": `${testid}-path` });
  const chosenLine = h("p", { class: "rp-chosen", "aria-live": "polite", id: `${id}-chosen` });
  const input = h("input", {
    id, type: "text", autocomplete: "off", spellcheck: "false", maxlength: 40, role: "combobox",
    "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": listId, "aria-describedby": `${id}-chosen`,
    placeholder: placeholder(),
    "data-testid": `${testid}-q`,
  });
  const crumbs = h("nav", { class: "rp-crumbs", "aria-label": t("picker.crumbs"), "data-testid": `${testid}-crumbs` });
  const list = h("ul", { id: listId, role: "listbox", class: "rp-list", "aria-label": label, "data-testid": `${testid}-list` });
  const status = h("p", { class: "rp-status muted small", "aria-live": "polite", "data-testid": `${testid}-status` });
  const more = h("button", { type: "button", class: "btn btn-small", hidden: true, "data-testid": `${testid}-more`, onclick: () => { if (!more.dataset.busy) load(true); } },
    t("picker.more"));
  const panel = h("div", { class: "rp-panel", hidden: true }, crumbs, list, h("div", { class: "rp-foot" }, status, more));
  const el = h("div", { class: "region-picker", "data-testid": testid },
    h("label", { for: id }, label), chosenLine, input, panel);

  function showChosen() {
    fill(chosenLine, chosen ? [t("picker.chosen"), chosenText] : h("span", { class: "muted" }, none || t("picker.none")));
    chosenText.textContent = regionPath(chosen, root);
    el.dataset.value = chosen ? String(chosen.id) : "";
  }

  function open() {
    if (!panel.hidden) return;
    panel.hidden = false;
    input.setAttribute("aria-expanded", "true");
    reveal = true;
    load(false);
  }
  function close() {
    panel.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function drawCrumbs() {
    fill(crumbs, trail.map((r, i) => i === trail.length - 1
      ? h("span", { "aria-current": "location" }, r.name)
      : [h("button", { type: "button", class: "linkish", "data-testid": `${testid}-up`,
        onclick: () => { trail = trail.slice(0, i + 1); input.value = ""; load(false); input.focus(); } }, r.name), " › "]));
  }

  /** The children of the region browsed to, or (with text typed) the matches below it; ``append``
   * for the next page. A slower earlier answer never overwrites a later one. */
  async function load(append) {
    const q = input.value.trim();
    const here = trail[trail.length - 1];
    const query = { per_page: PAGE, ...(append && next ? { after: next } : {}) };
    if (q) Object.assign(query, { q, ...(here.id !== root.id ? { under: here.id } : {}), ...(levels.length === 1 ? { level: levels[0] } : {}) });
    else query.parent_id = here.id;
    const ask = ++asked;
    drawCrumbs();
    const data = await regionPage(query, { status, more, append, latest: () => ask === asked });
    if (!data) return;
    // Browsing, the region itself comes first when it may be chosen (a county importing for itself).
    const self = !q && !append && choosable(here) ? [{ ...here, ancestors: trail.slice(0, -1), self: true }] : [];
    const found = (data.items || []).filter((r) => choosable(r) || canOpen(r));
    items = append ? [...items, ...found] : [...self, ...found];
    next = data.next;
    if (!append) { total = data.total; capped = data.total_capped; } // (a page by key counts nothing)
    if (!append) active = items.length ? 0 : -1;
    draw();
  }

  function draw() {
    const q = input.value.trim();
    fill(list, items.map((r, i) => option(r, i)));
    const shown = items.filter((r) => !r.self).length;
    status.textContent = !items.length ? t(q ? "picker.noMatch" : "picker.empty")
      : t(q ? "picker.found" : "picker.children", { n: capped ? `${total}+` : total, shown });
    if (!next && document.activeElement === more) input.focus(); // (a hidden button would drop the focus, and the list)
    more.hidden = !next;
    highlight(active);
    if (reveal) { reveal = false; show(); }
  }

  // The list just opened scrolls into sight above the screen's bottom dock (扫码), which is fixed
  // over the page: a picker low on a desk's screen would otherwise open its list under it.
  function show() {
    const dock = document.querySelector(".dock");
    panel.style.scrollMarginBottom = dock && dock.getClientRects().length ? `${dock.offsetHeight + 8}px` : "";
    panel.scrollIntoView({ block: "nearest" });
  }

  function option(r, i) {
    // Where a match lies (browsing, the crumbs say it once for all).
    const where = input.value.trim() ? regionPath({ name: "", ancestors: r.ancestors || [] }, root).replace(/ \/ $/, "") : "";
    // (A region that cannot be chosen is still an option: choosing it opens it, so it is not disabled.)
    const row = h("li", { id: `${id}-opt-${i}`, role: "option", "aria-selected": "false",
      class: ["rp-option", choosable(r) ? null : "rp-branch", chosen && chosen.id === r.id ? "rp-current" : null].filter(Boolean).join(" "),
      "data-id": String(r.id), "data-level": r.level, "data-testid": `${testid}-option`,
      onclick: (event) => { event.preventDefault(); pick(r); },
      onmousedown: (event) => event.preventDefault() }, // (keeps the focus in the text box)
    h("span", { class: "rp-name" }, r.name, r.self ? h("span", { class: "muted" }, " ", t("picker.self")) : null),
    h("span", { class: "rp-meta muted small" }, [t(`regions.level.${r.level}`), where, r.code].filter(Boolean).join(" · ")));
    if (canOpen(r) && !r.self) {
      row.append(h("button", { type: "button", class: "btn btn-small rp-open", tabindex: "-1", "data-testid": `${testid}-open`,
        "aria-label": t("picker.open", { name: r.name }),
        onclick: (event) => { event.stopPropagation(); stepInto(r); } }, "›"));
    }
    return row;
  }

  function highlight(i) {
    active = i;
    [...list.children].forEach((li, n) => { // (the highlighted option is the selected one, as a listbox has it)
      li.classList.toggle("active", n === i);
      li.setAttribute("aria-selected", String(n === i));
    });
    const li = list.children[i];
    if (li) {
      input.setAttribute("aria-activedescendant", li.id);
      li.scrollIntoView({ block: "nearest" });
    } else input.removeAttribute("aria-activedescendant");
  }

  function stepInto(r) {
    trail = [...trail, r];
    input.value = "";
    load(false);
    input.focus();
  }

  function pick(r) {
    if (!choosable(r)) return canOpen(r) ? stepInto(r) : null;
    const { self, ...region } = r;
    set(region);
    close();
    input.value = "";
    onChange(chosen);
    return null;
  }

  function set(region) {
    chosen = region;
    showChosen();
  }

  function setLevels(wanted) {
    levels = wanted;
    deepest = Math.max(...levels.map(rank));
    if (chosen && !choosable(chosen)) set(null);
    input.placeholder = placeholder();
    trail = trail.filter((r) => rank(r.level) < deepest || r === root);
    if (!panel.hidden) load(false);
  }

  input.addEventListener("focus", open);
  input.addEventListener("click", open);
  input.addEventListener("input", () => {
    open();
    clearTimeout(timer);
    timer = setTimeout(() => load(false), 250);
  });
  input.addEventListener("keydown", (event) => {
    const r = items[active];
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (panel.hidden) return open();
      const step = event.key === "ArrowDown" ? 1 : -1;
      if (items.length) highlight((active + step + items.length) % items.length);
    } else if (event.key === "Enter") {
      if (panel.hidden) return null;
      event.preventDefault(); // (never submits the form half chosen)
      if (r) pick(r);
    } else if (event.key === "ArrowRight" && r && canOpen(r) && !r.self && !input.value) {
      event.preventDefault();
      stepInto(r);
    } else if ((event.key === "ArrowLeft" || event.key === "Backspace") && !input.value && trail.length > 1) {
      event.preventDefault();
      trail = trail.slice(0, -1);
      load(false);
    } else if (event.key === "Escape" && !panel.hidden) {
      event.preventDefault();
      event.stopPropagation(); // (a sheet around the picker stays open)
      close();
    }
    return null;
  });
  el.addEventListener("focusout", (event) => { if (!el.contains(event.relatedTarget)) close(); });

  showChosen();
  return {
    el,
    get value() { return chosen ? String(chosen.id) : ""; },
    get region() { return chosen; },
    set,
    setLevels,
    focus: () => input.focus(),
  };
}
