"""schemathesis against the live gunicorn's own OpenAPI document: no server error and no response
that contradicts the document, on every operation — signed in as a county supervisor, then as an
anonymous visitor. Runs last: its random writes and failed sign-ins must not disturb other tests."""
import subprocess
import sys
from pathlib import Path

import requests

from conftest import PASSWORD

CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_headers_conformance,response_schema_conformance")


def _failures(out):
    """The part of schemathesis's report that names what failed (it comes before a long list of
    warnings that would otherwise push it out of CI's view)."""
    start = out.find("FAILURES")
    end = out.find("WARNINGS", start) if start >= 0 else -1
    return (out[start:end] if start >= 0 and end > start else out[start:] if start >= 0 else out)[:8000] \
        + "\n…\n" + out[-1500:]


def _schemathesis(live_server, artifacts, name, *extra):
    cmd = [str(Path(sys.executable).parent / "schemathesis"), "run", f"{live_server}/api/v1/openapi.json",
           "--checks", CHECKS, "--phases", "examples,coverage,fuzzing", "--max-examples", "25",
           "--seed", "20261125", "--no-color", "--request-timeout", "120", "--workers", "2",
           "--suppress-health-check", "all", *extra]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    (artifacts / f"schemathesis-{name}.txt").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, _failures(result.stdout) + result.stderr[-2000:]
    assert "Schema Error" not in result.stdout


def test_signed_in_operations_match_the_document(live_server, make_project, artifacts):
    make_project(stage="construction")
    token = requests.post(f"{live_server}/api/v1/auth/token",
                          json={"username": "t_county", "password": PASSWORD}).json()["access_token"]
    # Revoking or logging out would end this very token mid-run; the anonymous run covers them.
    _schemathesis(live_server, artifacts, "county", "-H", f"Authorization: Bearer {token}",
                  "--exclude-path", "/api/v1/auth/token/revoke", "--exclude-path", "/api/v1/auth/logout")


def test_anonymous_operations_match_the_document(live_server, artifacts):
    _schemathesis(live_server, artifacts, "anonymous")
