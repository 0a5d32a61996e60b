"""Setting up production: the demo is refused, keys are made with nothing configured, the first
administrator gets a password someone typed (never a default), regions load from a file, and
`make run` leaves the demo out."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from backend import create_app
from backend.core import pii
from conftest import ROOT

FLASK = str(Path(sys.executable).parent / "flask")
STRONG = "tea-garden-by-the-river-7"


def _cli(args, env, input=None):
    """``flask --app wsgi ARGS`` in a clean environment (only PATH plus ``env``)."""
    return subprocess.run([FLASK, "--app", "wsgi", *args], cwd=ROOT, input=input, capture_output=True, text=True,
                          env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **env}, timeout=120)


@pytest.fixture
def production(tmp_path):
    """A complete production environment on a fresh, migrated SQLite database."""
    env = {"JICAI_ENV": "production", "SECRET_KEY": "p" * 48, "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.db'}",
           "PII_KEYS": pii.new_key_line("k1"), "PII_INDEX_KEY": pii.new_key_line("ix"),
           "STORAGE_DIR": str(tmp_path / "storage")}
    r = _cli(["db", "upgrade"], env)
    assert r.returncode == 0, r.stderr
    return env


def _count(env, table):
    engine = create_engine(env["DATABASE_URL"])
    with engine.connect() as conn:
        n = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
    engine.dispose()
    return n


def test_pii_new_key_works_in_production_with_nothing_else_set():
    r = _cli(["pii-new-key", "k1"], {"JICAI_ENV": "production"})
    assert r.returncode == 0, r.stderr
    assert re.fullmatch(r"k1:[A-Za-z0-9_-]{43}\n", r.stdout)


@pytest.mark.parametrize("args", [["verify-chains"], ["db", "upgrade"], ["create-admin", "root", "--region", "1"]])
def test_other_commands_refuse_an_unconfigured_production(args):
    r = _cli(args, {"JICAI_ENV": "production", "JICAI_ADMIN_PASSWORD": STRONG})
    assert r.returncode != 0
    assert "SECRET_KEY must be set" in r.stderr and "Traceback" not in r.stderr


def test_the_demo_is_refused_in_production_and_writes_nothing(production):
    r = _cli(["demo"], production)
    assert r.returncode != 0 and "JICAI_ENV=production" in r.stderr
    assert _count(production, "users") == _count(production, "regions") == 0


def test_the_first_administrator_from_a_typed_or_given_password(production):
    assert _cli(["regions-import", "docs/regions-linan.csv"], production).returncode == 0
    assert _count(production, "regions") == 21
    again = _cli(["regions-import", "docs/regions-linan.csv"], production)
    assert again.returncode == 0 and "0 regions added" in again.stdout
    # No password: it is asked for twice; a mismatch asks again, a weak one is refused.
    weak = _cli(["create-admin", "root", "--region", "330000000000"], production, input="Jicai@2026\nJicai@2026\n")
    assert weak.returncode != 0 and "too common" in weak.stderr
    typed = _cli(["create-admin", "root", "--region", "330000000000"], production,
                 input=f"{STRONG}\nsomething-else-entirely\n{STRONG}\n{STRONG}\n")
    assert typed.returncode == 0, typed.stderr
    assert "do not match" in typed.stderr + typed.stdout
    given = _cli(["create-admin", "ops", "--region", "330000000000", "--name", "运维"],
                 {**production, "JICAI_ADMIN_PASSWORD": STRONG})
    assert given.returncode == 0, given.stderr
    assert _cli(["create-admin", "ops2", "--region", "330000000000"],
                {**production, "JICAI_ADMIN_PASSWORD": "short"}).returncode != 0
    assert _cli(["create-admin", "ops3", "--region", "999999999999"],
                {**production, "JICAI_ADMIN_PASSWORD": STRONG}).returncode != 0
    assert _count(production, "users") == 2
    # The administrator signs in with that password and manages accounts at once.
    app = create_app({"ENV": "production", "SECRET_KEY": production["SECRET_KEY"],
                      "SQLALCHEMY_DATABASE_URI": production["DATABASE_URL"], "PII_KEYS": production["PII_KEYS"],
                      "PII_INDEX_KEY": production["PII_INDEX_KEY"], "STORAGE_DIR": production["STORAGE_DIR"]})
    client = app.test_client()
    r = client.post("/api/v1/auth/login", json={"username": "root", "password": STRONG})
    assert r.status_code == 200 and r.json["user"]["role"] == "admin" and not r.json["user"]["must_change_password"]
    assert client.get("/api/v1/users").json["total"] == 2
    # An account made with `flask create-user`: the operator chose its password, so the person
    # chooses their own at the first sign-in (as with POST /users).
    made = _cli(["create-user", "jc_lead", "township_lead", "330112006000"], production,
                input=f"{STRONG}\n{STRONG}\n")
    assert made.returncode == 0, made.stderr
    r = app.test_client().post("/api/v1/auth/login", json={"username": "jc_lead", "password": STRONG})
    assert r.status_code == 200 and r.json["user"]["must_change_password"] is True


def test_a_bad_regions_file_is_refused_whole(production, tmp_path):
    bad = tmp_path / "regions.csv"
    bad.write_text("code,name,parent_code\n330000000000,浙江省,\n330100000000,杭州市,331100000000\n", encoding="utf-8")
    r = _cli(["regions-import", str(bad)], production)
    assert r.returncode != 0 and "row 3" in r.stderr
    assert _count(production, "regions") == 0


def test_make_run_leaves_the_demo_out_in_production():
    def dry_run(**env):
        return subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, **env}, timeout=60).stdout
    assert "flask demo" in dry_run(JICAI_ENV="development")
    assert "flask demo" not in dry_run(JICAI_ENV="production")
