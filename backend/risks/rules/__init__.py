"""The risk rules. Each rule is a module with:

    CODE, NAME_ZH, NAME_EN, LEVEL ("red" | "orange" | "yellow"), DESCRIPTION_ZH, DESCRIPTION_EN —
        what it checks and why;
    THRESHOLDS — the config keys it reads;
    LABELS — {evidence key: (zh, en)};
    VOLATILE — evidence keys that change with time alone (days overdue...), left out of the
        fingerprint so a dismissal holds until the *facts* change;
    find(ctx) -> iterable of Hit — set-based queries only, no per-row loops over whole tables;
        ``ctx.scope(project=…, region=…)`` gives the WHERE clauses that keep a scoped scan to its
        projects or regions (the engine drops hits outside the scope in any case);
    explain(evidence) -> (zh, en) — a plain sentence;
    PER_PROJECT (optional, default False) — every hit names a project, so a scan of one project
        runs this rule (rules about people or townships run in region and full scans only).

A feature adds its rules with ``register(module, …)`` (subsidies, rectifications, later funds).
"""
from dataclasses import dataclass, field
from decimal import Decimal

from ...core import clock
from ...core.pii import mask_name


@dataclass
class Hit:
    subject_key: str
    subject_type: str
    region_id: int
    project_id: int | None
    evidence: dict = field(default_factory=dict)


def stage_names(code):
    """(zh, en) name of a project stage, for explanations."""
    from ...projects.services import STAGE_NAMES
    return STAGE_NAMES.get(code, (code, code))


def yuan(text):
    """"1173174.80" → "1,173,174.80", for the sentences people read (evidence keeps plain numbers)."""
    return f"{Decimal(text):,.2f}"


def masked_person(name, id_mask):
    """How evidence names a person: masked name and ID number (evidence is shown and stored)."""
    return {"person": mask_name(name), "id_number": id_mask}


PAYMENT_STATS = "risk_payment_stats"
CENT = Decimal("0.01")


@dataclass
class Context:
    config: dict
    now: object  # aware datetime
    made: set = field(default_factory=set)
    projects: tuple | None = None  # a scan of these projects only (ids)
    regions: object = None  # a scan of these regions and everything below: a SELECT of region ids

    def scope(self, project=None, region=None):
        """WHERE clauses keeping a rule's query inside this scan's scope (none for a full scan)."""
        out = []
        if self.projects is not None and project is not None:
            out.append(project.in_(self.projects))
        if self.regions is not None and region is not None:
            out.append(region.in_(self.regions))
        return out

    @property
    def today(self):
        return self.now.astimezone(clock.CHINA).date()

    def payment_stats(self):
        """Per-project payment totals for this scan — one pass over the payments table shared by
        every payment rule, kept in a temporary table (a table, so rules still filter in SQL)."""
        from sqlalchemy import Integer, Numeric, column, table, text

        from ...extensions import db
        if PAYMENT_STATS not in self.made:
            db.session.execute(text(f"DROP TABLE IF EXISTS {PAYMENT_STATS}"))
            only = (" WHERE project_id IN (" + ",".join(str(int(i)) for i in self.projects) + ")"
                    if self.projects else "")
            db.session.execute(text(
                f"CREATE TEMPORARY TABLE {PAYMENT_STATS} AS SELECT project_id, SUM(amount) AS paid, "
                f"MAX(amount) AS largest, COUNT(*) AS n FROM project_payments{only} GROUP BY project_id"))
            self.made.add(PAYMENT_STATS)
        return table(PAYMENT_STATS, column("project_id", Integer), column("paid", Numeric(14, 2)),
                     column("largest", Numeric(14, 2)), column("n", Integer))

    @staticmethod
    def money(value):
        return str(Decimal(value or 0).quantize(CENT))

    @staticmethod
    def number(value):
        return format(Decimal(value).normalize(), "f")

    mask_name = staticmethod(mask_name)

    def close(self):
        """Drop what the scan made (temporary tables live as long as the connection otherwise)."""
        from sqlalchemy import text

        from ...extensions import db
        for name in self.made:
            db.session.execute(text(f"DROP TABLE IF EXISTS {name}"))
        self.made.clear()


from . import (contractor_concentration, inspection_flagged, no_recent_inspection,  # noqa: E402
               payee_not_contractor, payment_ahead_of_progress, single_payment_over_half, stage_overdue)

RULES = {}


def register(*rules):
    """Add rules to the engine. A feature registers its own (``backend/subsidies/rules``,
    ``backend/rectifications/rules.py``) when the app is built, so the engine imports no feature."""
    for rule in rules:
        assert rule.CODE not in RULES or RULES[rule.CODE] is rule, f"two rules named {rule.CODE}"
        RULES[rule.CODE] = rule


register(payment_ahead_of_progress, single_payment_over_half, stage_overdue, inspection_flagged,
         no_recent_inspection, contractor_concentration, payee_not_contractor)
