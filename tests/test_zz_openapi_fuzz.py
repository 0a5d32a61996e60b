"""schemathesis against the live gunicorn's own OpenAPI document: no server error and no response
that contradicts the document, on every operation — signed in as a county supervisor, then as an
anonymous visitor. Runs last: its random writes and failed sign-ins must not disturb other tests."""
import re
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


# CPython 3.11 before 3.11.8 (gh-106905) may raise this SystemError from ast.parse when two threads
# parse at once; Hypothesis parses its own sources to describe a strategy, so schemathesis runs with
# one worker (with two, CI met the error twice in a row). It is the tool's error, not the API's: a
# run that meets it all the same is made once more.
CPYTHON_AST_BUG = "AST constructor recursion depth mismatch"


def only_the_cpython_ast_bug(out):
    """True when every error of a schemathesis report is CPython's spurious SystemError above and
    no check failed."""
    if "FAILURES" in out or " ERRORS " not in out:
        return False
    section = out.split(" ERRORS ", 1)[1].split(" SUMMARY ", 1)[0]
    errors = re.split(r"\n_{5,} [^\n]+ _{5,}\n", section)[1:]
    return bool(errors) and all(CPYTHON_AST_BUG in e for e in errors)


def _schemathesis(live_server, artifacts, name, *extra):
    cmd = [str(Path(sys.executable).parent / "schemathesis"), "run", f"{live_server}/api/v1/openapi.json",
           "--checks", CHECKS, "--phases", "examples,coverage,fuzzing", "--max-examples", "25",
           "--seed", "20261125", "--no-color", "--request-timeout", "120", "--workers", "1",
           "--suppress-health-check", "all", *extra]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    (artifacts / f"schemathesis-{name}.txt").write_text(result.stdout + result.stderr)
    if result.returncode != 0 and only_the_cpython_ast_bug(result.stdout):
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        (artifacts / f"schemathesis-{name}-again.txt").write_text(result.stdout + result.stderr)
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


def test_only_cpythons_own_error_makes_a_run_again():
    """The retry is for CPython's SystemError alone: any failed check, or any other error beside it,
    fails the run at once."""
    block = "\n___________ GET /api/v1/{} ___________\nRuntime Error\n\n{}\n"
    report = lambda *errors: ("==== ERRORS ====" + "".join(block.format(n, e) for n, e in enumerate(errors))  # noqa: E731
                              + "==== SUMMARY ====\n")
    assert only_the_cpython_ast_bug(report(CPYTHON_AST_BUG + " (before=66, after=101)"))
    assert not only_the_cpython_ast_bug(report(CPYTHON_AST_BUG, "Server error: 500"))
    assert not only_the_cpython_ast_bug("==== FAILURES ====\n" + report(CPYTHON_AST_BUG))
    assert not only_the_cpython_ast_bug("all passed")
