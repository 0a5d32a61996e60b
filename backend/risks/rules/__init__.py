"""The risk rules. Each rule is a module with:

    CODE, NAME_ZH, NAME_EN, LEVEL ("red" | "orange" | "yellow"), DESCRIPTION_ZH, DESCRIPTION_EN —
        what it checks and why;
    THRESHOLDS — the config keys it reads;
    LABELS — {evidence key: (zh, en)};
    VOLATILE — evidence keys that change with time alone (days overdue...), left out of the
        fingerprint so a dismissal holds until the *facts* change;
    find(ctx) -> iterable of Hit — set-based queries only, no per-row loops over whole tables;
    explain(evidence) -> (zh, en) — a plain sentence.

A later rule (subsidies, funds) is one more module added to RULES.
"""
from dataclasses import dataclass, field


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
    from decimal import Decimal
    return f"{Decimal(text):,.2f}"


def people(ids):
    """{beneficiary id: row with name, id_mask, household, region_id} for the people a rule's hits
    name — looked up by primary key, so a rule never joins the whole register to its few hits."""
    from sqlalchemy import select

    from ...extensions import db
    from ...subsidies.models import Beneficiary
    ids, found = list(ids), {}
    for start in range(0, len(ids), 1000):
        found.update((b.id, b) for b in db.session.execute(
            select(Beneficiary.id, Beneficiary.name, Beneficiary.id_mask, Beneficiary.household, Beneficiary.region_id)
            .where(Beneficiary.id.in_(ids[start:start + 1000]))))
    return found


def masked_person(name, id_mask):
    """How evidence names a person: masked name and ID number (evidence is shown and stored)."""
    from ...core.pii import mask_name
    return {"person": mask_name(name), "id_number": id_mask}


PAYMENT_STATS = "risk_payment_stats"


@dataclass
class Context:
    config: dict
    now: object  # aware datetime
    made: set = field(default_factory=set)

    @property
    def today(self):
        return self.now.date()

    def payment_stats(self):
        """Per-project payment totals for this scan — one pass over the payments table shared by
        every payment rule, kept in a temporary table (a table, so rules still filter in SQL)."""
        from sqlalchemy import Integer, Numeric, column, table, text

        from ...extensions import db
        if PAYMENT_STATS not in self.made:
            db.session.execute(text(f"DROP TABLE IF EXISTS {PAYMENT_STATS}"))
            db.session.execute(text(
                f"CREATE TEMPORARY TABLE {PAYMENT_STATS} AS SELECT project_id, SUM(amount) AS paid, "
                "MAX(amount) AS largest, COUNT(*) AS n FROM project_payments GROUP BY project_id"))
            self.made.add(PAYMENT_STATS)
        return table(PAYMENT_STATS, column("project_id", Integer), column("paid", Numeric(14, 2)),
                     column("largest", Numeric(14, 2)), column("n", Integer))

    @staticmethod
    def money(value):
        from decimal import Decimal
        return str(Decimal(value or 0).quantize(Decimal("0.01")))

    @staticmethod
    def number(value):
        from decimal import Decimal
        return format(Decimal(value).normalize(), "f")

    @staticmethod
    def mask_name(name):
        from ...core.pii import mask_name
        return mask_name(name)

    def close(self):
        """Drop what the scan made (temporary tables live as long as the connection otherwise)."""
        from sqlalchemy import text

        from ...extensions import db
        for name in self.made:
            db.session.execute(text(f"DROP TABLE IF EXISTS {name}"))
        self.made.clear()


from . import (contractor_concentration, inspection_flagged, no_recent_inspection,  # noqa: E402
               payment_ahead_of_progress, rectification_overdue, single_payment_over_half,
               stage_overdue, subsidy_after_death, subsidy_duplicate, subsidy_exclusive,
               subsidy_not_received, subsidy_notice_mismatch, subsidy_over_standard,
               subsidy_proxy_card, subsidy_public_employee)

RULES = {rule.CODE: rule for rule in (
    payment_ahead_of_progress, rectification_overdue, single_payment_over_half, stage_overdue,
    inspection_flagged, no_recent_inspection, contractor_concentration,
    subsidy_duplicate, subsidy_proxy_card, subsidy_over_standard, subsidy_after_death,
    subsidy_public_employee, subsidy_exclusive, subsidy_notice_mismatch, subsidy_not_received)}
SUBSIDY_RULES = tuple(code for code in RULES if code.startswith("subsidy_"))
