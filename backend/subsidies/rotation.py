"""Key rotation for personal data: every ciphertext re-encrypted with the current key, every lookup
hash recomputed with the current index key. Idempotent; safe to run again after an interruption."""
from sqlalchemy import select, update

from ..core import pii
from ..extensions import db
from ..comments.models import ProjectComment
from .models import Beneficiary, DeathRecord, Disbursement, NoticeObjection, PublicEmployee, SelfCheckAttempt

# model → [(ciphertext column, hash column or None, field)]
SEALED = {
    Beneficiary: [("id_enc", "id_hash", "id_number"), ("card_enc", "card_hash", "bank_card"),
                  ("phone_enc", "phone_hash", "phone")],
    Disbursement: [("card_enc", "card_hash", "bank_card")],
    DeathRecord: [("id_enc", "id_hash", "id_number")],
    PublicEmployee: [("id_enc", "id_hash", "id_number")],
    ProjectComment: [("contact_enc", None, "phone")],
    NoticeObjection: [("phone_enc", None, "phone")],  # who objected (the villager's own, too)
}
CHUNK = 2000


def rotate():
    counts = {}
    for model, columns in SEALED.items():
        counts[model.__tablename__] = _rotate(model, columns)
    # Rate-limit rows only hold hashes of the old key; they expire within the hour anyway.
    db.session.execute(SelfCheckAttempt.__table__.delete())
    return counts


def _rotate(model, columns):
    done, last, memo = 0, 0, {}
    cols = [getattr(model, enc) for enc, _, _ in columns]
    while True:
        rows = db.session.execute(select(model.id, *cols).where(model.id > last).order_by(model.id).limit(CHUNK)).all()
        if not rows:
            return done
        changes = []
        for row in rows:
            change = {"id": row[0]}
            for i, (enc, digest, field) in enumerate(columns):
                token = row[i + 1]
                if token is None:
                    continue
                key = (field, token)
                if key not in memo:
                    value = pii.decrypt(token, field)
                    memo[key] = (pii.encrypt(value, field), pii.blind(value, field))
                change[enc] = memo[key][0]
                if digest:
                    change[digest] = memo[key][1]
            changes.append(change)
        db.session.execute(update(model), changes)
        done += len(rows)
        last = rows[-1][0]
