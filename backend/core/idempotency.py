"""Exactly-once writes: every write from the app carries a client-generated UUID.

The key row is inserted *before* the work, in the same transaction. A concurrent duplicate blocks on
the primary key until the first commits, then fails and is answered with the stored response; a
replay after the fact finds the row and gets the same response. Nothing is done twice.
"""
from flask import jsonify
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from .errors import ApiError
from .models import IdempotencyKey


def _stored(key, actor, operation):
    row = db.session.get(IdempotencyKey, key)
    if row is None:
        return None
    if row.actor_id != actor.id or row.operation != operation:
        raise ApiError(409, "client_uuid_reused", "该请求编号已被用于其他操作",
                       "This client_uuid was already used for a different request",
                       fields=[{"path": "json.client_uuid", "message": "already used"}])
    response = jsonify(row.response)
    response.status_code = row.status
    response.headers["Idempotent-Replay"] = "true"
    return response


def once(key, actor, operation, work):
    """Run ``work() -> (body, status)`` once per ``key``; replays get the first response.

    Returns a Flask response. Commits nothing itself: the request boundary commits.
    """
    key = str(key)
    replay = _stored(key, actor, operation)
    if replay is not None:
        return replay
    row = IdempotencyKey(key=key, actor_id=actor.id, operation=operation, status=0, response={})
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        # A concurrent request with the same key committed first.
        db.session.rollback()
        replay = _stored(key, actor, operation)
        if replay is None:
            raise
        return replay
    body, status = work()
    row.status, row.response = status, body
    db.session.flush()
    response = jsonify(body)
    response.status_code = status
    return response
