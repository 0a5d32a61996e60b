"""The villager's self-check sees the bank's word on each payment, and a 没收到 about a payment the
bank has answered is answered at once with what the bank said (registered with the subsidies)."""
from ..subsidies import services as subsidies
from . import services


def _notes(beneficiary_id):
    return {key: {k: v for k, v in value.items() if k != "attempt"}
            for key, value in services.bank_status(beneficiary_id).items()}


subsidies.PAYMENT_NOTES.append(_notes)
subsidies.CASE_ANSWERERS.append(services.answer_from_bank)
