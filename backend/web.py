"""Serves the PWA: the app shell for every page route, and its static files."""
from apiflask import APIBlueprint
from flask import current_app, send_from_directory

bp = APIBlueprint("web", __name__, enable_openapi=False)

SHELL_ROUTES = ("/", "/q/<code>", "/p/<int:project_id>", "/login", "/projects", "/scan")


def shell(**_):
    """Every app route gets the same shell; the client routes from the URL."""
    response = send_from_directory(current_app.config["PWA_DIR"], "index.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


for rule in SHELL_ROUTES:
    bp.add_url_rule(rule, f"shell_{rule}", shell)


@bp.get("/<path:filename>")
def asset(filename):
    """Static PWA files; the service worker and manifest are revalidated on every load."""
    response = send_from_directory(current_app.config["PWA_DIR"], filename, max_age=0)
    if filename in ("sw.js", "manifest.webmanifest"):
        response.headers["Cache-Control"] = "no-cache"
    else:
        response.headers["Cache-Control"] = "public, max-age=300"
    return response
