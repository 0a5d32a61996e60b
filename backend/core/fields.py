"""Field types shared by the features' schemas."""
from apiflask.fields import UUID, String
from apiflask.validators import Length, Regexp


def ClientUUID():
    """The client-generated UUID every write from the app carries (idempotency key)."""
    return UUID(required=True, metadata={"description": "client-generated UUID; replays are answered, not redone"})


def Text(max_len, required=True, min_len=1, **kw):
    """A trimmed, non-blank string of bounded length."""
    return String(required=required, validate=[Length(min=min_len, max=max_len),
                                              Regexp(r"\S", error="must not be blank")], **kw)
