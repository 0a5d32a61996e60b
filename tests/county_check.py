"""Whether every large fact row carries its place's county (``county_id``): one query per table,
comparing with the region's path (the county is the path's third code: its own path has three
codes and begins the place's)."""
from sqlalchemy import text

BY_REGION = ("beneficiaries", "disbursements", "batch_payments", "projects", "inspections", "risk_warnings",
             "rectifications")

_WRONG = ("c.id IS NULL OR r.path NOT LIKE c.path || '%' "
          "OR length(c.path) - length(replace(c.path, '/', '')) <> 4")


def wrong_counties(session):
    """{table: (rows, rows whose county_id is not their place's county)} for every fact table."""
    out = {}
    for table in BY_REGION:
        out[table] = tuple(session.execute(text(
            f"SELECT count(*), count(*) FILTER (WHERE {_WRONG}) FROM {table} AS t "
            "JOIN regions AS r ON r.id = t.region_id LEFT JOIN regions AS c ON c.id = t.county_id")).one())
    out["project_payments"] = tuple(session.execute(text(
        f"SELECT count(*), count(*) FILTER (WHERE {_WRONG}) FROM project_payments AS t "
        "JOIN projects AS p ON p.id = t.project_id JOIN regions AS r ON r.id = p.region_id "
        "LEFT JOIN regions AS c ON c.id = t.county_id")).one())
    return out


def assert_counties_right(session):
    found = wrong_counties(session)
    assert all(bad == 0 for _, bad in found.values()), found
    return found
