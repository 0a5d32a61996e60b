// Project / unit codes on the phone, the same rules as backend/qrcodes/codes.py: 13 Crockford base32
// characters + 1 Luhn mod 32 check character. A mistyped code is caught before any request.
export const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const READ_AS = { O: "0", I: "1", L: "1" };
export const LENGTH = 14;

/** What someone typed, pasted or scanned (a bare code or a URL with /q/<code> or /v/<code>) → the code text. */
export function extractCode(text) {
  // Full-width letters and digits from a Chinese input method (ＡＢＣ１２３) count as what they are.
  let s = String(text || "").normalize("NFKC").trim();
  const at = Math.max(s.lastIndexOf("/q/"), s.lastIndexOf("/v/"));
  // After a link the code ends at the first space or punctuation; a typed code may hold spaces.
  if (at >= 0) s = s.slice(at + 3).split(/[\s，,。]/)[0];
  s = s.split(/[?#/]/)[0];
  try { s = decodeURIComponent(s); } catch { /* keep as is */ }
  return s;
}

/** Upper case, no spaces/hyphens/dashes/underscores/middle dots, O→0 and I/L→1. */
export function normalizeCode(text) {
  return [...extractCode(text).toUpperCase()]
    .filter((ch) => !" -_\u3000\t\u2010\u2011\u2012\u2013\u2014\u00b7\u30fb".includes(ch))
    .map((ch) => READ_AS[ch] || ch).join("");
}

/** Luhn mod 32 from the right: factor 1 for the last (check) character, 2 for the one before, … */
export function luhnOk(code) {
  let total = 0;
  let factor = 1;
  for (let i = code.length - 1; i >= 0; i--) {
    const index = ALPHABET.indexOf(code[i]);
    if (index < 0) return false;
    const v = index * factor;
    total += Math.floor(v / 32) + (v % 32);
    factor = factor === 1 ? 2 : 1;
  }
  return total % 32 === 0;
}

function check(code) {
  if (!code) return { ok: false, reason: "empty", code };
  if ([...code].some((ch) => !ALPHABET.includes(ch))) return { ok: false, reason: "malformed", code };
  if (code.length !== LENGTH) return { ok: false, reason: "length", code, length: code.length };
  if (!luhnOk(code)) return { ok: false, reason: "checksum", code };
  return { ok: true, code };
}

/** → {ok: true, code} or {ok: false, reason: "empty" | "malformed" | "length" | "checksum", code, length?}.
 * Pasted text around the code (a WeChat share: "【基财智控】… http://…/q/XXXX 点击查看", or the code
 * copied with its label) is searched for the first valid code in it. */
export function checkCode(text) {
  const whole = check(normalizeCode(text));
  if (whole.ok || whole.reason === "empty") return whole;
  const plain = String(text || "").normalize("NFKC");
  for (const url of plain.match(/\/[qv]\/[^\s?#/，,。]+/g) || []) {
    const found = check(normalizeCode(url));
    if (found.ok) return found;
  }
  for (const run of plain.match(/[0-9A-Za-z][0-9A-Za-z \-]{12,24}[0-9A-Za-z]/g) || []) {
    const found = check(normalizeCode(run));
    if (found.ok) return found;
  }
  return whole;
}

export const prettyCode = (code) => (code || "").replace(/(.{4})(?=.)/g, "$1-");
