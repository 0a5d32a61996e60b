// Photos on the phone: read the original's EXIF (capture time, GPS), shrink it to a JPEG of at most
// 1600 px on the long side (a 4 MB camera photo becomes a few hundred KB for a weak signal), and
// hash the shrunk bytes (SHA-256) so the server can prove it stored exactly what was sent.

const MAX_SIDE = 1600;
const QUALITY = 0.8;

// ---- EXIF ---------------------------------------------------------------------------------------

/**
 * The few EXIF facts we keep, from a JPEG's APP1 "Exif" segment: {taken_at, lat, lng} (each may be
 * null). Never throws: a photo without (or with broken) EXIF simply has none.
 */
export async function readExif(file) {
  try {
    const buf = await file.slice(0, 256 * 1024).arrayBuffer();
    return parseExif(new DataView(buf));
  } catch {
    return { taken_at: null, lat: null, lng: null };
  }
}

export function parseExif(view) {
  const none = { taken_at: null, lat: null, lng: null };
  if (view.byteLength < 4 || view.getUint16(0) !== 0xffd8) return none; // not a JPEG
  let off = 2;
  while (off + 4 <= view.byteLength) {
    if (view.getUint8(off) !== 0xff) return none;
    const marker = view.getUint8(off + 1);
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) { off += 2; continue; }
    if (marker === 0xda || marker === 0xd9) return none; // image data: no EXIF before it
    const len = view.getUint16(off + 2);
    if (marker === 0xe1 && len >= 8 && off + 10 <= view.byteLength
      && view.getUint32(off + 4) === 0x45786966 && view.getUint16(off + 8) === 0) { // "Exif\0\0"
      return parseTiff(view, off + 10, Math.min(view.byteLength, off + 2 + len));
    }
    off += 2 + len;
  }
  return none;
}

function parseTiff(view, start, end) {
  const out = { taken_at: null, lat: null, lng: null };
  const order = view.getUint16(start);
  if (order !== 0x4949 && order !== 0x4d4d) return out;
  const le = order === 0x4949;
  const u16 = (o) => view.getUint16(o, le);
  const u32 = (o) => view.getUint32(o, le);
  const inside = (o, n) => o >= start && o + n <= end;
  if (u16(start + 2) !== 42) return out;

  /** The tags of the IFD at TIFF offset ``ifd``: Map tag → {type, count, valueOffset (absolute)}. */
  function readIfd(ifd) {
    const tags = new Map();
    const at = start + ifd;
    if (!inside(at, 2)) return tags;
    const n = u16(at);
    for (let i = 0; i < n; i++) {
      const e = at + 2 + i * 12;
      if (!inside(e, 12)) break;
      const type = u16(e + 2);
      const count = u32(e + 4);
      const size = ({ 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8 }[type] || 1) * count;
      tags.set(u16(e), { type, count, at: size <= 4 ? e + 8 : start + u32(e + 8) });
    }
    return tags;
  }
  const ascii = (tag) => {
    if (!tag || tag.type !== 2 || !inside(tag.at, tag.count)) return null;
    let s = "";
    for (let i = 0; i < tag.count; i++) {
      const c = view.getUint8(tag.at + i);
      if (!c) break;
      s += String.fromCharCode(c);
    }
    return s.trim();
  };
  const rationals = (tag) => {
    if (!tag || tag.type !== 5 || !inside(tag.at, tag.count * 8)) return null;
    const vals = [];
    for (let i = 0; i < tag.count; i++) {
      const num = u32(tag.at + i * 8), den = u32(tag.at + i * 8 + 4);
      vals.push(den ? num / den : NaN);
    }
    return vals;
  };

  const ifd0 = readIfd(u32(start + 4));
  const exifPtr = ifd0.get(0x8769);
  if (exifPtr && exifPtr.type === 4) {
    const exif = readIfd(u32(exifPtr.at));
    const raw = ascii(exif.get(0x9003)) || null; // DateTimeOriginal "YYYY:MM:DD HH:MM:SS"
    const m = raw && raw.match(/^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/);
    if (m && m[1] !== "0000") {
      const zone = ascii(exif.get(0x9011)); // OffsetTimeOriginal "+08:00", when the camera wrote it
      out.taken_at = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}` + (zone && /^[+-]\d{2}:\d{2}$/.test(zone) ? zone : "");
    }
  }
  const gpsPtr = ifd0.get(0x8825);
  if (gpsPtr && gpsPtr.type === 4) {
    const gps = readIfd(u32(gpsPtr.at));
    const deg = (tag, ref, neg) => {
      const v = rationals(gps.get(tag));
      const r = ascii(gps.get(ref));
      if (!v || v.length < 3 || v.some((x) => !Number.isFinite(x))) return null;
      const d = v[0] + v[1] / 60 + v[2] / 3600;
      return Math.round((r === neg ? -d : d) * 1e7) / 1e7;
    };
    const lat = deg(2, 1, "S");
    const lng = deg(4, 3, "W");
    if (lat !== null && lng !== null && Math.abs(lat) <= 90 && Math.abs(lng) <= 180 && !(lat === 0 && lng === 0)) {
      out.lat = lat;
      out.lng = lng;
    }
  }
  return out;
}

// ---- shrink + hash --------------------------------------------------------------------------------

async function decode(file) {
  if ("createImageBitmap" in window) {
    try { return await createImageBitmap(file, { imageOrientation: "from-image" }); } catch { /* try <img> */ }
    try { return await createImageBitmap(file); } catch { /* try <img> */ }
  }
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    img.decoding = "async";
    img.src = url;
    await img.decode();
    return img;
  } finally {
    URL.revokeObjectURL(url);
  }
}

export async function sha256Hex(blob) {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A camera file → {blob (JPEG), width, height, bytes, sha256, original_bytes, exif_taken_at,
 * exif_lat, exif_lng, taken_at}. Throws Error("photo_unreadable") when the browser cannot decode it.
 */
export async function preparePhoto(file) {
  const exif = await readExif(file);
  let bitmap;
  try { bitmap = await decode(file); } catch { throw new Error("photo_unreadable"); }
  const w0 = bitmap.width || bitmap.naturalWidth, h0 = bitmap.height || bitmap.naturalHeight;
  if (!w0 || !h0) throw new Error("photo_unreadable");
  const scale = Math.min(1, MAX_SIDE / Math.max(w0, h0));
  const width = Math.max(1, Math.round(w0 * scale)), height = Math.max(1, Math.round(h0 * scale));
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const g = canvas.getContext("2d");
  g.fillStyle = "#fff"; // a transparent PNG becomes white, not black
  g.fillRect(0, 0, width, height);
  g.imageSmoothingQuality = "high";
  g.drawImage(bitmap, 0, 0, width, height);
  if (bitmap.close) bitmap.close();
  const blob = await new Promise((resolve, reject) => canvas.toBlob(
    (b) => (b ? resolve(b) : reject(new Error("photo_unreadable"))), "image/jpeg", QUALITY));
  canvas.width = canvas.height = 0; // give the memory back at once (cheap phones)
  return {
    blob, width, height, bytes: blob.size, original_bytes: file.size, sha256: await sha256Hex(blob),
    exif_taken_at: exif.taken_at, exif_lat: exif.lat, exif_lng: exif.lng,
    taken_at: file.lastModified ? new Date(file.lastModified).toISOString() : new Date().toISOString(),
  };
}
