"""Factories for the bank tests: a policy of its own, villagers with cards on a notice posted long
enough ago, and a batch walked through its states."""
import uuid
from datetime import timedelta
from decimal import Decimal

from conftest import TODAY, random_id_number

_n = [0]


def card_number():
    return "6228" + f"{uuid.uuid4().int % 10**15:015d}"


def make_people(app, world, n=4, village="qianwang", standard="100.00", published=None, policy_kw=None,
                card=True, department="农业农村局"):
    """A new policy issued by 锦城街道 and ``n`` people on its notice for period 2026-11 (posted 10 working
    days before TODAY unless ``published``). Returns {policy, period, people: [ids], ids: [id numbers]}."""
    from backend.core import pii
    from backend.extensions import db
    from backend.subsidies.models import Beneficiary, NoticeEntry, SubsidyPolicy
    with app.app_context():
        policy = SubsidyPolicy(region_id=world["regions"]["jincheng"], year=2026, name=f"测试补贴-{uuid.uuid4().hex[:8]}",
                               category="测试", standard_amount=Decimal(standard), unit="元/人", department=department,
                               **(policy_kw or {}))
        db.session.add(policy)
        db.session.flush()
        people, ids = [], []
        for i in range(n):
            number = random_id_number()
            c = card_number() if card else None
            enc, h, mask = pii.seal(number, "id_number")
            cenc, ch, cmask = pii.seal(c, "bank_card")
            b = Beneficiary(region_id=world["regions"][village], name=f"测试{'甲乙丙丁戊己庚辛'[i % 8]}{i}",
                            id_enc=enc, id_hash=h, id_mask=mask, card_enc=cenc, card_hash=ch, card_mask=cmask)
            db.session.add(b)
            db.session.flush()
            db.session.add(NoticeEntry(region_id=b.region_id, policy_id=policy.id, beneficiary_id=b.id, period="2026-11",
                                       quantity=Decimal(1 + i % 2), amount=Decimal(standard) * (1 + i % 2),
                                       published_on=published or TODAY - timedelta(days=14)))
            people.append(b.id)
            ids.append(number)
        db.session.commit()
        return {"policy": policy.id, "period": "2026-11", "people": people, "ids": ids}


def user(app, world, key):
    from backend.core.models import User
    from backend.extensions import db
    return db.session.get(User, world["users"][key])


def approved_batch(app, world, data):
    """Build (clerk), submit, approve (lead) a batch for ``data``; returns the batch id."""
    from backend.bank import services
    from backend.extensions import db
    with app.app_context(), app.test_request_context(method="POST"):
        batch = services.build_batch(user(app, world, "clerk"), data["policy"], data["period"])
        services.submit(batch, user(app, world, "clerk"))
        services.approve(batch, user(app, world, "lead"))
        db.session.commit()
        return batch.id


def export(app, batch_id, profile):
    from backend.bank import services
    from backend.bank.models import PaymentBatch
    from backend.extensions import db
    with app.app_context(), app.test_request_context(method="POST"):
        data, name = services.export(db.session.get(PaymentBatch, batch_id), None, profile)
        db.session.commit()
        return data


def banksim():
    import importlib.util
    from conftest import ROOT
    spec = importlib.util.spec_from_file_location("banksim", ROOT / "tools" / "banksim.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
