// fetch wrapper: JSON in and out, the session cookie, the CSRF header, and one error type.
import { apiLang, t } from "./i18n.js";

const BASE = "/api/v1";
let csrfToken = null;

export const setCsrf = (token) => { csrfToken = token || null; };
/** The CSRF token, for a download that is not JSON (the bank file). */
export const csrf = () => csrfToken;

/** A failed call: ``code`` is the server's stable code ("network" when there was no answer). */
export class ApiError extends Error {
  constructor(code, status, message, fields = [], body = null) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
    this.fields = fields;
    this.body = body; // the whole error answer (an import's report rides along with its 422)
  }
}

/** A JSON call; ``form`` (a FormData) sends a multipart upload instead of a JSON body. */
export async function api(path, { method = "GET", body, query, form } = {}) {
  let url = BASE + path;
  if (query) {
    const qs = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== "" && v != null));
    if ([...qs].length) url += "?" + qs;
  }
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;

  let response;
  try {
    response = await fetch(url, {
      method, headers, credentials: "same-origin",
      body: form || (body === undefined ? undefined : JSON.stringify(body)),
    });
  } catch {
    throw new ApiError("network", 0, t("err.network"));
  }
  if (response.status === 204) return null;
  let data = null;
  try { data = await response.json(); } catch { /* not JSON: handled below */ }
  if (response.ok) return data;
  const err = data && data.error;
  if (err && err.code) {
    const message = (err.message && (err.message[apiLang()] || err.message.zh)) || err.code;
    throw new ApiError(err.code, response.status, message, err.fields || [], data);
  }
  throw new ApiError(`http_${response.status}`, response.status, t("err.server", { status: response.status }));
}

export const qrUrl = (code) => `${BASE}/codes/${encodeURIComponent(code)}.svg`;
