"""Subsidy warnings get actions: hold (停发) a person's future payments of a policy, and record a
recovery (追回: amount, date, receipt). A subsidy warning closes (销号) when a recovery is recorded
or the hold is justified (the lead says why stopping the payments settles it, e.g. nothing was
overpaid). ``is_held(beneficiary_id, policy_id)`` is what the bank batches ask."""
from sqlalchemy import select

from ..core import audit, clock
from ..core.errors import ApiError, bad_field
from ..core.scoping import covers, get_scoped
from ..extensions import db
from ..risks import engine
from ..subsidies.models import Beneficiary, SubsidyPolicy
from ..subsidies.services import visible_policies
from .models import PaymentHold, Recovery

HOLDERS = ("township_lead", "county")


def is_held(beneficiary_id, policy_id):
    """True when the person's payments of the policy are on hold (a live 停发)."""
    return db.session.execute(select(PaymentHold.id).where(
        PaymentHold.beneficiary_id == beneficiary_id, PaymentHold.policy_id == policy_id,
        PaymentHold.released_at.is_(None))).first() is not None


def _subsidy_warning(warning):
    if not warning.rule_code.startswith("subsidy_"):
        raise ApiError(409, "not_a_subsidy_warning", "只有补贴类预警可以停发或追回",
                       "Only a subsidy warning can hold or recover payments")
    if warning.status != "open":
        raise ApiError(409, "warning_not_open", "该预警已不是待处理状态", "This warning is not open")


def _person_and_policy(actor, warning, beneficiary_id, policy_id):
    person = db.session.get(Beneficiary, beneficiary_id)
    if person is None or person.region_id != warning.region_id:
        raise bad_field("json.beneficiary_id", "beneficiary_invalid", "该补贴对象与预警不符",
                        "This person is not the one the warning is about")
    policy = None
    if policy_id is not None:
        policy = db.session.execute(visible_policies(person.region).where(SubsidyPolicy.id == policy_id)).scalar_one_or_none()
        if policy is None:
            raise bad_field("json.policy_id", "policy_invalid", "该补贴政策不适用于此人所在地区",
                            "This policy does not apply where the person lives")
    return person, policy


def hold(actor, warning, beneficiary_id, policy_id, reason):
    """停发: hold the person's future payments of the policy. 409 ``hold_exists`` /
    ``not_a_subsidy_warning`` / ``warning_not_open``; 400 ``beneficiary_invalid`` / ``policy_invalid``."""
    _subsidy_warning(warning)
    person, policy = _person_and_policy(actor, warning, beneficiary_id, policy_id)
    if policy is None:
        raise bad_field("json.policy_id", "policy_invalid", "请选择要停发的补贴政策", "Choose the policy to hold")
    if is_held(person.id, policy.id):
        raise ApiError(409, "hold_exists", "此人该政策的发放已停发", "This person's payments of this policy are already held")
    row = PaymentHold(region_id=person.region_id, beneficiary_id=person.id, policy_id=policy.id,
                      warning_id=warning.id, reason=reason.strip(), held_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "subsidy.hold", subject=row, warning_id=warning.id, policy_id=policy.id, reason=row.reason)
    return row


def justify(actor, row, justification):
    """The hold settles the warning: it is closed (销号, reason ``hold_justified``)."""
    from ..risks.models import RiskWarning
    if row.released_at is not None:
        raise ApiError(409, "hold_released", "该停发已解除", "This hold was released")
    warning = db.session.get(RiskWarning, row.warning_id) if row.warning_id else None
    if warning is None or warning.status != "open":
        raise ApiError(409, "warning_not_open", "该预警已不是待处理状态", "This warning is not open")
    row.justification, row.justified_by_id, row.justified_at = justification.strip(), actor.id, clock.now()
    db.session.flush()
    engine.resolve(warning, "hold_justified", actor=actor, hold=True)
    audit.record(actor, "subsidy.hold_justify", subject=row, warning_id=warning.id, justification=row.justification)
    return row


def release(actor, row, reason):
    """Lift a hold (the person's payments may go again). 409 ``hold_released``."""
    if row.released_at is not None:
        raise ApiError(409, "hold_released", "该停发已解除", "This hold was released")
    row.released_at, row.released_by_id, row.release_reason = clock.now(), actor.id, reason.strip()
    db.session.flush()
    audit.record(actor, "subsidy.hold_release", subject=row, reason=row.release_reason)
    return row


def recover(actor, warning, beneficiary_id, policy_id, amount, recovered_on, receipt_no):
    """追回: record money got back, and close the warning (销号, reason ``recovered``). 400
    ``amount_not_positive`` / ``recovered_in_future``; 409 ``receipt_exists`` / warning errors."""
    _subsidy_warning(warning)
    person, policy = _person_and_policy(actor, warning, beneficiary_id, policy_id)
    if amount <= 0:
        raise bad_field("json.amount", "amount_not_positive", "追回金额须大于零", "The amount must be above zero")
    if recovered_on > clock.today():
        raise bad_field("json.recovered_on", "recovered_in_future", "追回日期不能晚于今天", "The date is in the future")
    receipt_no = receipt_no.strip()
    if db.session.execute(select(Recovery.id).where(Recovery.region_id == person.region_id,
                                                    Recovery.receipt_no == receipt_no)).first():
        raise bad_field("json.receipt_no", "receipt_exists", "该收据号已登记", "This receipt number is already recorded", 409)
    row = Recovery(region_id=person.region_id, beneficiary_id=person.id, policy_id=getattr(policy, "id", None),
                   warning_id=warning.id, amount=amount, recovered_on=recovered_on, receipt_no=receipt_no,
                   recorded_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    engine.resolve(warning, "recovered", actor=actor, hold=True)
    audit.record(actor, "subsidy.recover", subject=row, warning_id=warning.id, amount=str(amount), receipt_no=receipt_no)
    return row


def subject_of(warning):
    """(beneficiary, [policies they are paid under], the policy the warning names or None) of a
    subsidy warning about a person (its subject_key is ``rule:<person id>[:<policy id>:…]``)."""
    from ..subsidies.models import Disbursement
    parts = warning.subject_key.split(":")
    if warning.subject_type != "beneficiary" or len(parts) < 2 or not parts[1].isdigit():
        return None, [], None
    person = db.session.get(Beneficiary, int(parts[1]))
    if person is None:
        return None, [], None
    policies = db.session.execute(select(SubsidyPolicy).where(SubsidyPolicy.id.in_(
        select(Disbursement.policy_id).where(Disbursement.beneficiary_id == person.id))).order_by(SubsidyPolicy.name)).scalars().all()
    named = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else None
    policy = db.session.get(SubsidyPolicy, named) if named else None
    if policy is not None and policy not in policies:
        policies.append(policy)
    return person, policies, policy


def of_warning(warning_id):
    """The holds and recoveries recorded on a warning."""
    holds = db.session.execute(select(PaymentHold).where(PaymentHold.warning_id == warning_id)
                               .order_by(PaymentHold.id)).scalars().all()
    recoveries = db.session.execute(select(Recovery).where(Recovery.warning_id == warning_id)
                                    .order_by(Recovery.id)).scalars().all()
    return holds, recoveries
