// Taking photos in a form (inspection, rectification evidence): the camera input, thumbnails with
// their size and a remove button, and a status line. Each photo is shrunk and hashed on the phone
// (photo.js) one at a time — a cheap phone cannot hold several decoded 12-megapixel images at once.
import { fill, h } from "../dom.js";
import { t } from "../i18n.js";
import { uuid } from "../outbox.js";
import { preparePhoto } from "../photo.js";

/**
 * {input, thumbs, status, photos, busy(), settled()} — ``photos`` is the live list of prepared
 * photos ({id, blob, url, bytes, sha256, ...}), the one passed in if any; ``onError(message)`` shows
 * a problem to the user; ``onChange(photos)`` follows every photo added or removed (to keep a draft).
 */
export function photoPicker(ctx, { id, max = 12, onError, photos = [], onChange = () => {} }) {
  // ``photos`` may be a draft's list (kept while the form is away): its pictures are shown again.
  const urls = new Set();
  for (const ph of photos) { ph.url = URL.createObjectURL(ph.blob); urls.add(ph.url); }
  let pending = 0;
  let processing = Promise.resolve();
  ctx.onLeave(() => { for (const u of urls) URL.revokeObjectURL(u); });

  const thumbs = h("ul", { class: "thumbs", "data-testid": "thumbs" });
  const status = h("p", { class: "muted small", role: "status", "aria-live": "polite", "data-testid": "photo-status" });
  const input = h("input", { type: "file", accept: "image/*", capture: "environment", multiple: true, id,
    class: "sr-only", "data-testid": "photo-input", onchange: () => add([...input.files]) });

  function remove(ph) {
    photos.splice(photos.indexOf(ph), 1);
    URL.revokeObjectURL(ph.url);
    urls.delete(ph.url);
    draw();
    onChange(photos);
  }

  function draw() {
    fill(thumbs, photos.map((ph, i) => h("li", { class: "thumb", "data-testid": "thumb" },
      h("img", { src: ph.url, alt: t("inspect.photoAlt", { n: i + 1 }), width: 96, height: 96 }),
      h("span", { class: "thumb-size" }, `${Math.round(ph.bytes / 1024)} KB`),
      h("button", { type: "button", class: "thumb-x", "aria-label": t("inspect.removePhoto"), "data-testid": "thumb-remove",
        onclick: () => remove(ph) }, "×"))));
    status.textContent = pending ? t("inspect.processing", { n: pending })
      : photos.length ? t("inspect.photoCount", { n: photos.length }) : "";
  }

  function add(files) {
    input.value = "";
    for (const file of files) {
      if (photos.length + pending >= max) { onError(t("inspect.tooMany", { n: max })); break; }
      pending++;
      draw();
      processing = processing.then(async () => {
        try {
          const ph = await preparePhoto(file);
          ph.id = uuid();
          ph.url = URL.createObjectURL(ph.blob);
          urls.add(ph.url);
          photos.push(ph);
          onChange(photos);
        } catch {
          onError(t("inspect.photoBad", { name: file.name || "" }));
        } finally {
          pending--;
          draw();
        }
      });
    }
  }

  /** Photos of a draft read back from the phone, shown as if just taken. */
  function restore(list) {
    for (const ph of list) {
      if (photos.some((p) => p.id === ph.id) || photos.length >= max) continue;
      ph.url = URL.createObjectURL(ph.blob);
      urls.add(ph.url);
      photos.push(ph);
    }
    draw();
  }

  draw();
  return { input, thumbs, status, photos, restore, busy: () => pending > 0, settled: () => processing };
}
