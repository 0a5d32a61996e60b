// Projects this phone knows, kept in localStorage per user so they are there offline: the recently
// opened ones (newest first, for the home screen) and every project seen in a task or list (for the
// inspection form's name and stage when there is no signal).
const MAX_RECENT = 12;
const MAX_KNOWN = 200;
let userId = "anon";

const key = (name) => `jicai.${name}.${userId}`;
const read = (name, fallback) => {
  try { return JSON.parse(localStorage.getItem(key(name))) ?? fallback; } catch { return fallback; }
};
const write = (name, value) => {
  try { localStorage.setItem(key(name), JSON.stringify(value)); } catch { /* storage full: not essential */ }
};

export function setUser(id) { userId = id == null ? "anon" : String(id); }

const slim = (p) => ({ id: p.id, code: p.code || null, name: p.name, stage: p.stage,
  region: p.region ? { name: p.region.name } : null, lat: p.lat ?? null, lng: p.lng ?? null });

/** Remember a project's facts (seen in a list or task). */
export function know(projects) {
  const known = read("known", {});
  for (const p of projects) if (p && p.id) known[p.id] = { ...(known[p.id] || {}), ...slim(p) };
  const ids = Object.keys(known);
  if (ids.length > MAX_KNOWN) for (const id of ids.slice(0, ids.length - MAX_KNOWN)) delete known[id];
  write("known", known);
}

export const known = (id) => read("known", {})[id] || null;

/** The project was opened on this phone: it goes to the top of "recent". */
export function opened(p) {
  know([p]);
  const list = read("recent", []).filter((r) => r.id !== p.id);
  list.unshift({ ...slim(p), opened_at: new Date().toISOString() });
  write("recent", list.slice(0, MAX_RECENT));
}

export const recent = () => read("recent", []);

/** Signing out forgets what this user opened. */
export function forgetUser(id) {
  for (const name of ["recent", "known"]) {
    try { localStorage.removeItem(`jicai.${name}.${id}`); } catch { /* ignore */ }
  }
}
