"""The villager's self-check sees the bank's word on each payment, a 没收到 about a payment the
bank has answered is answered at once with what the bank said, and an objection about a payment
already sent says so (registered with the subsidies)."""
from sqlalchemy import select

from ..extensions import db
from ..subsidies import objections
from ..subsidies import services as subsidies
from . import services
from .models import SENT_BATCHES, BatchPayment, PaymentBatch


def _notes(beneficiary_id):
    return {key: {k: v for k, v in value.items() if k != "attempt"}
            for key, value in services.bank_status(beneficiary_id).items()}


def _sent(beneficiary_ids):
    """These people's payments written to a bank file: (person, policy, period, sent at, batch no)."""
    for ben, policy, period, at, batch_id in db.session.execute(select(
            BatchPayment.beneficiary_id, BatchPayment.policy_id, BatchPayment.period, PaymentBatch.exported_at,
            PaymentBatch.id).join(PaymentBatch, PaymentBatch.id == BatchPayment.batch_id).where(
            BatchPayment.beneficiary_id.in_(beneficiary_ids), PaymentBatch.status.in_(SENT_BATCHES))
            .order_by(PaymentBatch.exported_at)):
        yield ben, policy, period, at, f"PB{batch_id:08d}"


subsidies.PAYMENT_NOTES.append(_notes)
objections.SENT_PAYMENTS.append(_sent)
subsidies.CASE_ANSWERERS.append(services.answer_from_bank)
