// Drafts of forms being filled in on site, kept on the phone until they are submitted or cancelled:
// a cheap Android phone often kills the browser while its camera app takes a photo, and the
// inspector comes back to a reloaded page. The fields go to localStorage (small), the photos —
// already shrunk, with their hash — to IndexedDB ("jicai-drafts"), both under the draft's key,
// which names the user, so one phone shared by two inspectors keeps their drafts apart.
const DB_NAME = "jicai-drafts";
const STORE = "photos";
const TEXT = "jicai.draft.";

let dbPromise = null;
function db() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "id" }).createIndex("draft", "draft");
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => { dbPromise = null; reject(req.error); };
    });
  }
  return dbPromise;
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}

/** The saved draft {fields, photos} for ``key``, or null. */
export async function load(key) {
  let fields = null;
  try { fields = JSON.parse(localStorage.getItem(TEXT + key)); } catch { /* none or unreadable */ }
  let photos = [];
  try {
    const store = (await db()).transaction(STORE).objectStore(STORE);
    photos = await new Promise((resolve, reject) => {
      const req = store.index("draft").getAll(key);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    photos.sort((a, b) => a.n - b.n);
  } catch { /* no IndexedDB (private mode): fields only */ }
  if (!fields && !photos.length) return null;
  return { fields: fields || {}, photos: photos.map(({ draft, n, ...ph }) => ph) };
}

/** Keep the fields (a plain object). */
export function saveFields(key, fields) {
  try { localStorage.setItem(TEXT + key, JSON.stringify(fields)); } catch { /* full: the draft stays in memory */ }
}

export function forgetFields(key) {
  try { localStorage.removeItem(TEXT + key); } catch { /* nothing */ }
}

/** Make the stored photos of ``key`` exactly ``photos`` (in their order). */
export async function savePhotos(key, photos) {
  try {
    const database = await db();
    const tx = database.transaction(STORE, "readwrite");
    const store = tx.objectStore(STORE);
    const keep = new Set(photos.map((ph) => ph.id));
    const old = await new Promise((resolve, reject) => {
      const req = store.index("draft").getAllKeys(key);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    for (const id of old) if (!keep.has(id)) store.delete(id);
    photos.forEach(({ url, ...ph }, n) => store.put({ ...ph, draft: key, n }));
    await done(tx);
  } catch (err) { console.warn("draft photos:", err); }
}

/** Forget the draft (submitted or cancelled). */
export async function drop(key) {
  forgetFields(key);
  await savePhotos(key, []);
}
