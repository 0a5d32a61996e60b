"""What a department official sees within their region: their department's policies, those
policies' payments, notices, objections and cases, the people on them, and their department's tasks. Registered
with the one scoping helper (core/scoping.py), so every scoped list and lookup applies it."""
from sqlalchemy import or_, select

from ..core.scoping import narrowing
from ..subsidies.models import Beneficiary, Disbursement, NoticeEntry, NoticeObjection, SubsidyCase, SubsidyPolicy
from .models import DepartmentTask
from .services import owned_policy_ids


def _owned(actor):
    return owned_policy_ids(actor.department_id)


@narrowing("department", SubsidyPolicy)
def _policies(actor):
    return SubsidyPolicy.id.in_(_owned(actor))


@narrowing("department", Disbursement)
def _payments(actor):
    return Disbursement.policy_id.in_(_owned(actor))


@narrowing("department", NoticeEntry)
def _notices(actor):
    return NoticeEntry.policy_id.in_(_owned(actor))


@narrowing("department", NoticeObjection)
def _objections(actor):
    return NoticeObjection.policy_id.in_(_owned(actor))


@narrowing("department", SubsidyCase)
def _cases(actor):
    return SubsidyCase.policy_id.in_(_owned(actor))


@narrowing("department", Beneficiary)
def _people(actor):
    owned = _owned(actor)
    return or_(Beneficiary.id.in_(select(Disbursement.beneficiary_id).where(Disbursement.policy_id.in_(owned))),
               Beneficiary.id.in_(select(NoticeEntry.beneficiary_id).where(NoticeEntry.policy_id.in_(owned))))


@narrowing("department", DepartmentTask)
def _tasks(actor):
    return DepartmentTask.department_id == (actor.department_id or 0)
