"""Routes that take files larger than a JSON body. Mark them (the marker nearest the function);
an oversized upload is refused from its Content-Length before a byte of it is read."""
import unicodedata

from flask import current_app, request

from .errors import ApiError
from .text import without_refused


def large_upload(config_key, code, zh, en):
    """Allow this route ``config[config_key]`` bytes (plus room for the form fields)."""
    def mark(view):
        view.upload_limit = (config_key, code, zh, en)
        return view
    return mark


def file_name(filename, limit=200):
    """An uploaded file's name as kept and shown: its last path part without control characters,
    text-direction controls (``core.text``: 回盘, U+202E, txt.exe showed as 回盘exe.txt) or unpaired
    surrogates (PostgreSQL stores no NUL), at most ``limit`` characters ('' for none). Dropped, not
    refused: the name is the client's computer's, not typed here."""
    name = without_refused((filename or "").replace("\\", "/").rsplit("/", 1)[-1])
    return "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cs")).strip()[:limit]


def init_app(app):
    @app.before_request
    def upload_limit():
        view = current_app.view_functions.get(request.endpoint)
        marked = getattr(view, "upload_limit", None)
        if marked:
            config_key, code, zh, en = marked
            limit = current_app.config[config_key] + 64 * 1024
            request.max_content_length = limit
            if request.content_length and request.content_length > limit:
                raise ApiError(413, code, zh, f"{en} (at most {current_app.config[config_key]} bytes)")
