"""One error envelope for every failure, 404 and 405 included.

    {"error": {"code": "stage_move_not_allowed", "status": 409,
               "message": {"zh": "...", "en": "..."},
               "fields": [{"path": "json.to_stage", "message": "..."}]}}

Tests assert on ``code``; the PWA shows ``message[lang]``.
"""
import re

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
    414: ("uri_too_long", "请求地址过长", "The request's address (URL) is too long"),
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


class FieldProblem(str):
    """A field's message (English) that carries its own stable ``code`` and its Chinese: raised in a
    marshmallow ``ValidationError`` by a field that knows exactly what is wrong (``core.fields``). When
    every problem of a request has the same code, the envelope's ``code`` is that code, not
    ``validation_error``."""

    def __new__(cls, en, code, zh):
        problem = super().__new__(cls, en)
        problem.code, problem.zh = code, zh
        return problem


def bad_field(path, code, zh, en, status=400):
    return ApiError(status, code, zh, en, fields=[{"path": path, "message": en, "zh": zh}])


class FieldErrorSchema(Schema):
    path = String(required=True)
    message = String(required=True)  # English (marshmallow's words, or the system's own)
    zh = String(metadata={"description": "the same in Chinese"})


# What marshmallow (and webargs, apiflask, our own fields) say, in Chinese: exact messages first,
# then the ones that carry a value (a length, a bound, a list of choices).
_ZH = {
    "Missing data for required field.": "缺少必填项",
    "Field may not be null.": "不能为空",
    "Not a valid number.": "不是有效的数字",
    "Not a valid integer.": "不是有效的整数",
    "Not a valid string.": "不是有效的文本",
    "Not a valid boolean.": "应为是或否（true / false）",
    "Not a valid date.": "不是有效的日期（如 2026-03-05）",
    "Not a valid datetime.": "不是有效的日期时间（如 2026-03-05T10:00:00+08:00）",
    "Not a valid time.": "不是有效的时间",
    "Not a valid UUID.": "不是有效的请求编号（UUID）",
    "Not a valid email address.": "不是有效的电子邮箱",
    "Not a valid URL.": "不是有效的网址",
    "Not a valid list.": "应为列表",
    "Not a valid tuple.": "应为列表",
    "Not a valid mapping type.": "应为对象（键值对）",
    "Not a valid file.": "不是有效的文件",
    "Invalid input type.": "输入类型不正确",
    "Invalid value.": "值无效",
    "Invalid type.": "类型不正确",
    "Unknown field.": "不认识的字段",
    "String does not match expected pattern.": "格式不正确",
    "Special numeric values (nan or infinity) are not permitted.": "不能是 NaN 或无穷大",
    "Shorter than minimum length 1.": "不能为空",
    "must not contain NUL characters": "不能包含空字符（NUL）",
    "must be valid Unicode text": "不是有效的 Unicode 文本",
    "comma-separated positive ids": "应为逗号分隔的正整数编号",
    "not a page position": "不是有效的翻页位置",
}
_ZH_PATTERNS = (
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"), "长度应在 {0} 到 {1} 之间"),
    (re.compile(r"^Length must be (\d+)\.$"), "长度应为 {0}"),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), "长度不能超过 {0}"),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), "长度不能少于 {0}"),
    (re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"), "应在 {0} 到 {1} 之间"),
    (re.compile(r"^Must be greater than (\S+) and less than (\S+)\.$"), "应大于 {0} 且小于 {1}"),
    (re.compile(r"^Must be greater than or equal to (\S+)\.$"), "应大于或等于 {0}"),
    (re.compile(r"^Must be less than or equal to (\S+)\.$"), "应小于或等于 {0}"),
    (re.compile(r"^Must be greater than (\S+)\.$"), "应大于 {0}"),
    (re.compile(r"^Must be less than (\S+)\.$"), "应小于 {0}"),
    (re.compile(r"^Must be one of: (.*)\.$"), "应为以下之一：{0}"),
    (re.compile(r"^Must be equal to (.*)\.$"), "应等于 {0}"),
    (re.compile(r"^at most (\d+) ids$"), "最多 {0} 个编号"),
    (re.compile(r"^ids are at most (\d+)$"), "编号不能大于 {0}"),
    (re.compile(r"^Must be one of (.*)$"), "应为以下之一：{0}"),
)


def zh_of(message):
    """The Chinese of a validation message (marshmallow's, or a field's own); unknown ones say that
    the input is wrong and keep the English beside."""
    text = str(message)
    if text in _ZH:
        return _ZH[text]
    for pattern, zh in _ZH_PATTERNS:
        m = pattern.match(text)
        if m:
            return zh.format(*m.groups())
    if re.search(r"[\u3400-\u9fff]", text):  # already Chinese (a schema's own message)
        return text
    return f"输入不正确（{text}）"


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


# A request whose address is longer than this is refused with the JSON envelope (414). gunicorn
# itself refuses a request line over its limit_request_line (8190 in gunicorn.conf.py), as a proxy
# in front refuses one over its buffer, each with its own HTML page: so every operation documents a
# 414 without a body.
MAX_URL = 4096


def register(app):
    """Install the error processor and document the envelope in OpenAPI."""
    app.config["HTTP_ERROR_SCHEMA"] = ErrorSchema
    app.config["VALIDATION_ERROR_SCHEMA"] = ErrorSchema

    @app.before_request
    def refuse_long_addresses():
        from flask import request
        if len(request.environ.get("RAW_URI") or request.full_path) > MAX_URL:
            code, zh, en = _GENERIC[414]
            raise ApiError(414, code, f"{zh}（最多 {MAX_URL} 个字符）", f"{en} (at most {MAX_URL} characters)")

    @app.spec_processor
    def document_414(spec):
        for path in spec.get("paths", {}).values():
            for operation in path.values():
                if isinstance(operation, dict) and "responses" in operation:
                    operation["responses"].setdefault("414", {
                        "description": "请求地址过长 The request's address is too long (the app's JSON error, or "
                                       "the web server's or proxy's own page for a longer one)"})
        return spec

    @app.error_processor
    def process(error):
        status = error.status_code
        if isinstance(error, ApiError):
            body = envelope(status, error.code, error.zh, error.en, error.fields)  # (bad_field gives each its zh)
        elif error.detail and status in (400, 422):
            found = _flatten(error.detail)
            fields = [{"path": f["path"], "message": str(f["message"]),
                       "zh": getattr(f["message"], "zh", None) or zh_of(f["message"])} for f in found]
            codes = {getattr(f["message"], "code", None) for f in found}
            code = codes.pop() if len(codes) == 1 and None not in codes else "validation_error"
            # The first problems are named in the message itself, Chinese first (the field's path
            # without its location: json.amount → amount).
            named = fields[:3]
            more = "等" if len(fields) > 3 else ""
            zh = "；".join(f"{f['path'].split('.', 1)[-1]}：{f['zh']}" for f in named)
            en = "; ".join(f"{f['path'].split('.', 1)[-1]}: {f['message']}" for f in named)
            body = envelope(status, code, f"输入有误，请检查标出的字段（{zh}{more}）",
                            f"Invalid input; check the listed fields ({en}{'…' if more else ''})", fields)
        else:
            code, zh, en = _GENERIC.get(status, ("http_error", "请求失败", error.message or "Error"))
            body = envelope(status, code, zh, en)
        return body, status, error.headers
