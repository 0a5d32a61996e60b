// /scan: the camera reads a plaque's QR code. BarcodeDetector when the browser has one for QR,
// otherwise jsQR (/vendor/jsQR.js, loaded only now, never on other screens). A code URL (…/q/<code>)
// or a bare valid code opens that page; anything else is named as "not our code". A photo from the
// gallery and the typed code box remain for when the camera is refused or unavailable.
import { checkCode } from "../codes.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { codeForm, errorBox, showError } from "./common.js";

const SCAN_EVERY_MS = 180;
const HINT_AFTER_MS = 8000; // then say what else to try
const MAX_FRAME = 720; // px on the long side handed to jsQR (speed on cheap phones)

let jsQrPromise = null;
function loadJsQr() {
  // jsQR is a UMD bundle: as a module it sets self.jsQR.
  if (!jsQrPromise) jsQrPromise = import("/vendor/jsQR.js").then(() => self.jsQR, (err) => { jsQrPromise = null; throw err; });
  return jsQrPromise;
}

/** → a function (source: video|image|canvas) → Promise<string|null>, the fastest one available. */
export async function makeDecoder() {
  if ("BarcodeDetector" in window) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) {
        const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        const decode = async (source) => {
          const found = await detector.detect(source);
          return found.length ? found[0].rawValue : null;
        };
        decode.engine = "BarcodeDetector";
        return decode;
      }
    } catch { /* fall through to jsQR */ }
  }
  const jsQR = await loadJsQr();
  const canvas = document.createElement("canvas");
  const g = canvas.getContext("2d", { willReadFrequently: true });
  /** One attempt: the frame at ``size`` px on its long side, optionally softened first. */
  const attempt = (source, size, blur) => {
    const w0 = source.videoWidth || source.naturalWidth || source.width;
    const h0 = source.videoHeight || source.naturalHeight || source.height;
    if (!w0 || !h0) return null;
    const scale = Math.min(1, size / Math.max(w0, h0));
    canvas.width = Math.round(w0 * scale);
    canvas.height = Math.round(h0 * scale);
    g.filter = blur ? `blur(${blur}px)` : "none";
    g.drawImage(source, 0, 0, canvas.width, canvas.height);
    g.filter = "none";
    const img = g.getImageData(0, 0, canvas.width, canvas.height);
    const hit = jsQR(img.data, img.width, img.height, { inversionAttempts: "attemptBoth" });
    return hit ? hit.data : null;
  };
  // A cheap phone's camera in poor light gives grain that jsQR's binarizer reads as modules; a slight
  // blur, or a smaller frame (which averages pixels), removes it — but blurs a small or soft code
  // too much, so the plain frame comes first. A live camera tries one pass per frame, in turn; a
  // photo tries them all.
  let turn = 0;
  const decode = async (source, { all = false } = {}) => {
    if (!all) return attempt(source, ...PASSES[turn++ % PASSES.length]);
    for (const pass of PHOTO_PASSES) {
      const text = attempt(source, ...pass);
      if (text) return text;
    }
    return null;
  };
  decode.engine = "jsQR";
  return decode;
}

const PASSES = [[MAX_FRAME, 0], [MAX_FRAME, 1], [480, 0], [MAX_FRAME, 1.5]];
const PHOTO_PASSES = [[MAX_FRAME, 0], [MAX_FRAME, 1], [1280, 0], [1280, 1.5], [480, 0], [MAX_FRAME, 2]];

/** A decoded text → the app path to open, or null when it is not one of our codes. */
export function targetOf(text) {
  const s = String(text || "").trim();
  const checked = checkCode(s); // a bare code, a link, or either inside a message
  if (checked.ok) return `/q/${checked.code}`;
  const m = s.match(/\/[qv]\/([^/?#\s]+)/);
  return m ? `/q/${encodeURIComponent(m[1])}` : null; // our link with a bad code: the server names the error
}

export async function render(ctx) {
  ctx.setTitle(t("scan.title"));
  const status = h("p", { class: "scan-status", role: "status", "aria-live": "polite", "data-testid": "scan-status" }, t("scan.starting"));
  const error = errorBox();
  const video = h("video", { class: "scan-video", playsinline: true, muted: true, autoplay: true, "aria-label": t("scan.title") });
  video.muted = true;
  video.setAttribute("playsinline", "");
  const viewport = h("div", { class: "scan-view" }, video, h("div", { class: "scan-frame", "aria-hidden": "true" }));
  let stream = null;
  let stopped = false;
  let timer = null;
  let decoder = null;

  function stop() {
    stopped = true;
    clearTimeout(timer);
    if (stream) for (const track of stream.getTracks()) track.stop();
    stream = null;
  }
  ctx.onLeave(stop);

  function found(text) {
    const to = targetOf(text);
    if (!to) {
      showError(error, t("scan.notOurs", { text: String(text).slice(0, 80) }));
      return false;
    }
    stop();
    if (navigator.vibrate) navigator.vibrate(60);
    ctx.navigate(to);
    return true;
  }

  let startedAt = 0;
  async function tick() {
    if (stopped) return;
    if (startedAt && Date.now() - startedAt > HINT_AFTER_MS && status.dataset.hint !== "1") {
      status.dataset.hint = "1";
      status.textContent = t("scan.hint");
    }
    try {
      if (video.readyState >= 2) {
        const text = await decoder(video);
        if (text && found(text)) return;
      }
    } catch (err) { console.warn("decode:", err); }
    if (!stopped) timer = setTimeout(tick, SCAN_EVERY_MS);
  }

  async function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      status.textContent = t("scan.noCamera");
      viewport.hidden = true;
      return;
    }
    try {
      [decoder, stream] = await Promise.all([
        makeDecoder(),
        navigator.mediaDevices.getUserMedia({ audio: false, video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } } }),
      ]);
    } catch (err) {
      if (stream) for (const track of stream.getTracks()) track.stop();
      stream = null;
      viewport.hidden = true;
      status.textContent = err && (err.name === "NotAllowedError" || err.name === "SecurityError") ? t("scan.denied")
        : err && err.name === "NotFoundError" ? t("scan.noCamera") : t("scan.failed");
      return;
    }
    if (stopped) { stop(); return; }
    video.srcObject = stream;
    try { await video.play(); } catch { /* autoplay policy: muted video plays anyway */ }
    status.textContent = t("scan.aim");
    status.dataset.engine = decoder.engine;
    startedAt = Date.now();
    tick();
  }

  // A photo of the plaque (from the gallery or the camera app) as a second way in.
  const fileInput = h("input", { type: "file", accept: "image/*", class: "sr-only", id: "scan-file", "data-testid": "scan-file",
    onchange: async () => {
      const file = fileInput.files && fileInput.files[0];
      if (!file) return;
      showError(error, "");
      const before = status.textContent;
      status.textContent = t("scan.reading");
      try {
        const decode = decoder || await makeDecoder();
        const bitmap = await createImageBitmap(file);
        const text = await decode(bitmap, { all: true });
        status.textContent = before;
        if (!text) { showError(error, t("scan.noneInPhoto")); return; }
        found(text);
      } catch {
        status.textContent = before;
        showError(error, t("scan.noneInPhoto"));
      } finally {
        fileInput.value = "";
      }
    } });

  // Typing the code works for anyone, signed in or not (a villager with a scratched plaque).
  const typed = codeForm(ctx, { className: "card code-card" });
  typed.hidden = true;
  queueMicrotask(startCamera);
  return h("div", { class: "scanner has-dock" },
    h("h1", { tabindex: "-1" }, t("scan.title")),
    viewport,
    status,
    error,
    typed,
    h("div", { class: "dock" },
      h("label", { for: "scan-file", class: "btn btn-block" }, t("scan.fromPhoto")), fileInput,
      h("button", { type: "button", class: "btn btn-block", "data-testid": "scan-manual", onclick: () => {
        typed.hidden = false;
        typed.scrollIntoView({ block: "center" });
        typed.focusInput();
      } }, t("scan.typeCode"))));
}
