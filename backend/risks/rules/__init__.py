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


@dataclass
class Context:
    config: dict
    now: object  # aware datetime

    @property
    def today(self):
        return self.now.date()


from . import (contractor_concentration, inspection_flagged, no_recent_inspection,  # noqa: E402
               payment_ahead_of_progress, rectification_overdue, single_payment_over_half,
               stage_overdue)

RULES = {rule.CODE: rule for rule in (
    payment_ahead_of_progress, rectification_overdue, single_payment_over_half, stage_overdue,
    inspection_flagged, no_recent_inspection, contractor_concentration)}
