"""Security headers on every response.

The Content-Security-Policy allows scripts, styles, fonts, workers and connections from this origin
only — no inline script, no inline ``<style>`` or ``style=""`` in markup (the PWA builds its DOM in
JavaScript and sets no style attributes), no ``eval`` — images also from ``data:`` and ``blob:`` (the
photos a phone picks are previewed from blobs), and no framing by any site. A response that needs a
narrower exception sets its own policy first (the label sheet allows its one ``<style>`` block by its
hash) and keeps it. HSTS is sent only when the cookies are marked Secure, i.e. behind HTTPS.
"""
import base64
import hashlib

CSP = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:",
    "media-src 'self' blob:", "font-src 'self'", "connect-src 'self'", "worker-src 'self'",
    "manifest-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'",
    "frame-ancestors 'none'",
])
HSTS = "max-age=31536000; includeSubDomains"


def policy(style_hashes=()):
    """The policy, with ``style-src`` also allowing the given inline ``<style>`` bodies by hash."""
    if not style_hashes:
        return CSP
    extra = " ".join(f"'sha256-{h}'" for h in style_hashes)
    return CSP.replace("style-src 'self'", f"style-src 'self' {extra}")


def style_hash(css):
    """The CSP hash of an inline ``<style>`` element's exact text."""
    return base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()


def init_app(app):
    secure = app.config["SESSION_COOKIE_SECURE"]

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()")
        if secure:
            headers.setdefault("Strict-Transport-Security", HSTS)
        return response
