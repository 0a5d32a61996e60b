"""One error envelope for every failure, 404 and 405 included.

    {"error": {"code": "stage_move_not_allowed", "status": 409,
               "message": {"zh": "...", "en": "..."},
               "fields": [{"path": "json.to_stage", "message": "..."}]}}

Tests assert on ``code``; the PWA shows ``message[lang]``.
"""
from apiflask import HTTPError
from apiflask.fields import Integer, List, Nested, String
from apiflask import Schema

# Stable codes for the generic HTTP statuses.
_GENERIC = {
    400: ("bad_request", "请求格式不正确", "The request is malformed"),
    401: ("unauthenticated", "请先登录", "Sign in first"),
    403: ("forbidden", "无权执行此操作", "You are not allowed to do this"),
    404: ("not_found", "未找到", "Not found"),
    405: ("method_not_allowed", "不支持该请求方法", "Method not allowed"),
    409: ("conflict", "操作冲突，请刷新后重试", "Conflict; reload and try again"),
    410: ("gone", "已失效", "Gone"),
    413: ("payload_too_large", "请求内容过大", "The request body is too large"),
    415: ("unsupported_media_type", "不支持的内容类型", "Unsupported media type"),
    429: ("too_many_requests", "请求过于频繁，请稍后再试", "Too many requests; try again later"),
    500: ("server_error", "服务器内部错误", "Internal server error"),
}


class ApiError(HTTPError):
    """An error with a stable machine code and a bilingual message."""

    def __init__(self, status, code, zh, en, fields=None, headers=None):
        super().__init__(status, message=en, headers=headers)
        self.code = code
        self.zh = zh
        self.en = en
        self.fields = fields or []


def not_found(what_zh="对象", what_en="object"):
    return ApiError(404, "not_found", f"未找到该{what_zh}", f"No such {what_en}")


def forbidden(zh="无权执行此操作", en="You are not allowed to do this", code="forbidden"):
    return ApiError(403, code, zh, en)


def bad_field(path, code, zh, en, status=400):
    return ApiError(status, code, zh, en, fields=[{"path": path, "message": en}])


class FieldErrorSchema(Schema):
    path = String(required=True)
    message = String(required=True)


class MessageSchema(Schema):
    zh = String(required=True)
    en = String(required=True)


class ErrorBodySchema(Schema):
    code = String(required=True)
    status = Integer(required=True)
    message = Nested(MessageSchema, required=True)
    fields = List(Nested(FieldErrorSchema), required=True)


class ErrorSchema(Schema):
    error = Nested(ErrorBodySchema, required=True)


def _flatten(detail, prefix=""):
    """Marshmallow's nested {"json": {"field": ["msg"]}} → [{"path": "json.field", ...}]."""
    out = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            out += _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(detail, list) and detail and all(isinstance(m, str) for m in detail):
        out += [{"path": prefix, "message": m} for m in detail]
    elif isinstance(detail, list):
        for i, value in enumerate(detail):
            out += _flatten(value, f"{prefix}.{i}")
    else:
        out.append({"path": prefix, "message": str(detail)})
    return out


def envelope(status, code, zh, en, fields=()):
    return {"error": {"code": code, "status": status, "message": {"zh": zh, "en": en},
                      "fields": list(fields)}}


def register(app):
    """Install the error processor and document the envelope in OpenAPI."""
    app.config["HTTP_ERROR_SCHEMA"] = ErrorSchema
    app.config["VALIDATION_ERROR_SCHEMA"] = ErrorSchema

    @app.error_processor
    def process(error):
        status = error.status_code
        if isinstance(error, ApiError):
            body = envelope(status, error.code, error.zh, error.en, error.fields)
        elif error.detail and status in (400, 422):
            fields = _flatten(error.detail)
            body = envelope(status, "validation_error", "输入有误，请检查标出的字段",
                            "Invalid input; check the listed fields", fields)
        else:
            code, zh, en = _GENERIC.get(status, ("http_error", "请求失败", error.message or "Error"))
            body = envelope(status, code, zh, en)
        return body, status, error.headers
