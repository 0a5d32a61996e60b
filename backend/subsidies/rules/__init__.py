"""The subsidy risk rules, registered with the risk engine when the app is built (the engine
imports no feature: subsidies bring their own rules)."""
from sqlalchemy import select

from ...extensions import db
from ...core.lookups import among, slices
from ...core.pii import mask_name
from ...risks import services as risk_services
from ...risks.rules import register
from ..models import Beneficiary


def people(ids):
    """{beneficiary id: row with name, id_mask, household, region_id} for the people a rule's hits
    name — looked up by primary key, so a rule never joins the whole register to its few hits."""
    ids, found = list(ids), {}
    for part in slices(ids):
        found.update((b.id, b) for b in db.session.execute(
            select(Beneficiary.id, Beneficiary.name, Beneficiary.id_mask, Beneficiary.household, Beneficiary.region_id)
            .where(among(Beneficiary.id, part))))
    return found


from . import (subsidy_after_death, subsidy_duplicate, subsidy_exclusive, subsidy_not_received,  # noqa: E402
               subsidy_notice_mismatch, subsidy_over_standard, subsidy_proxy_card, subsidy_public_employee)

RULES = (subsidy_duplicate, subsidy_proxy_card, subsidy_over_standard, subsidy_after_death, subsidy_public_employee,
         subsidy_exclusive, subsidy_notice_mismatch, subsidy_not_received)
SUBSIDY_RULES = tuple(rule.CODE for rule in RULES)
register(*RULES)


def masked_names(ids):
    """{beneficiary id: masked name}: how a warning's view names the people it is about."""
    return {i: mask_name(person.name) for i, person in people(ids).items()}


risk_services.provide("people", masked_names)
