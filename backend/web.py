"""Serves the PWA: the app shell for every page route, and its static files."""
from apiflask import APIBlueprint
from flask import current_app, request, send_from_directory

bp = APIBlueprint("web", __name__, enable_openapi=False)

SHELL_ROUTES = ("/", "/q/<code>", "/p/<int:project_id>", "/login", "/projects", "/scan",
                "/inspect/<int:project_id>", "/outbox", "/risks", "/risks/<int:warning_id>",
                "/rectifications", "/rectifications/<int:rectification_id>", "/inbox", "/v/<code>",
                "/subsidies", "/subsidies/policies", "/subsidies/import", "/imports", "/imports/<kind>", "/subsidies/cases", "/subsidies/people/<int:beneficiary_id>",
                "/subsidies/payments", "/subsidies/notices", "/inspections",
                "/comments", "/overview", "/overview/<int:region_id>", "/overview/<int:region_id>/fund-flow", "/screen/<int:region_id>", "/users", "/password", "/regions", "/funds", "/funds/new", "/funds/<int:fund_id>",
                "/office", "/office/new", "/office/projects/<int:project_id>", "/office/labels",
                "/assets", "/assets/new", "/assets/<int:asset_id>", "/assets/<int:asset_id>/edit",
                "/resources", "/resources/new", "/resources/<int:resource_id>", "/resources/<int:resource_id>/edit",
                "/contracts", "/contracts/new", "/contracts/<int:contract_id>", "/contracts/<int:contract_id>/edit",
                "/audit", "/coverage", "/coverage/<int:region_id>", "/digests/<day>",
                "/reports", "/dept-tasks", "/dept-tasks/<int:task_id>",
                "/bank", "/bank/failures", "/bank/<int:batch_id>")


def shell(**_):
    """Every app route gets the same shell; the client routes from the URL."""
    response = send_from_directory(current_app.config["PWA_DIR"], "index.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


for rule in SHELL_ROUTES:
    bp.add_url_rule(rule, f"shell_{rule}", shell)


# Only the PWA's own folders and top-level files are served, so an unknown /api/ path is a JSON 404
# and never a 405 from a catch-all.
ASSET_DIRS = "any(js, css, icons, vendor)"
TOP_FILES = "any('index.html', 'sw.js', 'manifest.webmanifest', 'favicon.ico', 'robots.txt')"


@bp.get(f"/<{TOP_FILES}:filename>")
def top_file(filename):
    """The shell, service worker and manifest: always revalidated, so an update reaches phones."""
    response = send_from_directory(current_app.config["PWA_DIR"], filename, max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get(f"/<{ASSET_DIRS}:folder>/<path:filename>")
def asset(folder, filename):
    """Scripts, styles and icons (the service worker versions them; a short HTTP cache suffices)."""
    response = send_from_directory(current_app.config["PWA_DIR"], f"{folder}/{filename}", max_age=300)
    return response


@bp.after_app_request
def html_not_found(response):
    """A mistyped page address opened in a browser gets the app's own "页面不存在" page (with the
    404 status), not the API's JSON error; API clients and other requests keep the JSON."""
    if (response.status_code == 404 and request.method == "GET" and not request.path.startswith("/api/")
            and request.accept_mimetypes["text/html"] > request.accept_mimetypes["application/json"]):
        page = shell()
        page.status_code = 404
        return page
    return response
