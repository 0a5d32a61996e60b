// /inbox: the user's notifications, newest first, unread marked. A tap marks it read (through the
// outbox, so it also works offline) and opens its link; "全部标为已读" marks them all. The header bell
// (app.js) shows the unread count.
import { api } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import * as outbox from "../outbox.js";
import { errorPage, local, pageAsked, pageHref, pager } from "./common.js";

const PER_PAGE = 30;
const time = (iso) => {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString("zh-CN", { year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hour12: false, timeZone: "Asia/Shanghai" }).replace(/\//g, "-");
};

const markRead = (id) => {
  const clientUuid = outbox.uuid();
  return outbox.enqueue([{ id: clientUuid, kind: "read", method: "POST", url: `/api/v1/notifications/${id}/read`,
    label: { notification_id: id } }]);
};

/** Only links inside the app are followed (a notification cannot send the user elsewhere). */
const internal = (link) => (typeof link === "string" && link.startsWith("/") && !link.startsWith("//") ? link : null);

export async function render(ctx) {
  ctx.setTitle(t("inbox.title"));
  const { page, after } = pageAsked(ctx);
  let data;
  let unread;
  try {
    // The unread count is the server's over every page (as the bell's), not this page's: counted
    // from the 30 shown, 50 unread read as 30, and a later page with none hid 全部标为已读.
    [data, unread] = await Promise.all([
      api("/notifications", { query: { page, after, per_page: PER_PAGE } }),
      api("/notifications", { query: { unread: "true", per_page: 1 } }).then((d) => Number(d.total) || 0),
    ]);
  } catch (err) {
    if (err.status === 401) { ctx.navigate("/login?next=/inbox", { replace: true }); return null; }
    return errorPage(err, ctx);
  }
  const items = data.items || [];
  const open = async (n, event) => {
    event.preventDefault();
    if (!n.read_at) { n.read_at = new Date().toISOString(); await markRead(n.id).catch(() => {}); ctx.refreshInbox && ctx.refreshInbox(-1); }
    const link = internal(n.link);
    if (link) ctx.navigate(link);
    else ctx.navigate(location.pathname + location.search, { replace: true });
  };
  return h("div", { class: "inbox" },
    h("div", { class: "inbox-head" },
      h("h1", { tabindex: "-1" }, t("inbox.title")),
      unread ? h("button", { type: "button", class: "btn btn-small", "data-testid": "inbox-read-all", onclick: async () => {
        const clientUuid = outbox.uuid();
        await outbox.sendNow({ id: clientUuid, kind: "read", method: "POST", url: "/api/v1/notifications/read-all", label: {} });
        ctx.navigate(location.pathname + location.search, { replace: true });
      } }, t("inbox.readAll")) : null),
    unread ? h("p", { class: "muted small", "data-testid": "inbox-unread" }, t("inbox.unread", { n: unread })) : null,
    items.length ? h("ul", { class: "nlist", "data-testid": "inbox-list" }, items.map((n) => h("li", {},
      h("a", { href: internal(n.link) || "/inbox", class: n.read_at ? "nitem" : "nitem unread", "data-testid": "inbox-item",
        "data-unread": n.read_at ? "false" : "true", "data-kind": n.kind || "", onclick: (event) => open(n, event) },
      h("span", { class: "nitem-title" }, n.read_at ? null : h("span", { class: "dot", "aria-label": t("inbox.new") }), local(n, "title")),
      local(n, "body") ? h("span", { class: "nitem-body" }, local(n, "body")) : null,
      h("time", { class: "muted small", datetime: n.created_at }, time(n.created_at))))))
      : h("p", { class: "empty", "data-testid": "inbox-empty" }, t("inbox.empty")),
    pager(data, page, PER_PAGE, pageHref));
}
