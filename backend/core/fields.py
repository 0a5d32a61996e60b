"""Field types shared by the features' schemas. Inputs go through these so that what reaches the
database is always storable on both SQLite and PostgreSQL, shows as it is stored (``core.text``), and
money is a Decimal written plainly."""
import json
import re
from datetime import date

from apiflask.fields import UUID, Date, Decimal, Integer, String
from apiflask.schema_adapters.marshmallow import parser
from apiflask.validators import Length, Range, Regexp
from marshmallow import ValidationError
from webargs import core as webargs_core
from webargs.flaskparser import is_json_request

from . import text as text_rule
from .errors import FieldProblem

MAX_ID = 2**31 - 1


def _refused(problem):
    return ValidationError(FieldProblem(problem.en, problem.code, problem.zh))


class CleanString(String):
    """A string PostgreSQL can store (no NUL, no unpaired surrogates) that shows as it is stored: no
    control characters and no text-direction controls (``core.text``; ``control_character``). A
    ``multiline`` field (a note, a reason) keeps tab and line breaks; a ``secret`` one (a password:
    never shown) keeps whatever else was typed."""

    def __init__(self, *args, multiline=False, secret=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.multiline, self.secret = multiline, secret

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if self.secret and "\x00" in text:
            raise ValidationError("must not contain NUL characters")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError("must be valid Unicode text")
        if not self.secret:
            try:
                text_rule.check_characters(text, self.multiline)
            except text_rule.Refused as problem:
                raise _refused(problem)
        return text


class PlainDecimal(Decimal):
    """A decimal number in plain notation (``core.text.plain_decimal``), as text or as a JSON number
    written so: ``scientific_notation`` for 1e5 (text or JSON); NaN, Infinity, 0x10, 1_000 are not a
    valid number (``validation_error``). Money fields are these."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, float):
            # A JSON number with a fraction or an exponent, as it was written (JsonNumber); another
            # float as Python writes it (1e+20, nan, inf: refused as well).
            value = getattr(value, "written", None) or repr(value)
        if isinstance(value, str):
            try:
                value = text_rule.plain_decimal(value)
            except text_rule.Refused as problem:
                if problem.code == "scientific_notation":
                    raise _refused(problem)
                raise self.make_error("invalid")  # (marshmallow's words, as for any text that is no number)
        return super()._deserialize(value, attr, data, **kwargs)


class JsonNumber(float):
    """A number of a JSON body with a fraction or an exponent: a float that keeps how it was written
    (``written``), so that a money field can tell 1e5 from 100000.0."""

    def __new__(cls, written):
        number = super().__new__(cls, written)
        number.written = written
        return number


@parser.location_loader("json")
def load_json(request, schema):
    """Request bodies in JSON (webargs' own loader, with the numbers kept as written: JsonNumber)."""
    if not is_json_request(request):
        return webargs_core.missing
    body = request.get_data(cache=True)
    try:
        return json.loads(body.decode("utf-8"), parse_float=JsonNumber)
    except json.JSONDecodeError as error:
        if error.doc == "":
            return webargs_core.missing
        return parser._handle_invalid_json_error(error, request)
    except UnicodeDecodeError as error:
        return parser._handle_invalid_json_error(error, request)


def ClientUUID():
    """The client-generated UUID every write from the app carries (idempotency key)."""
    return UUID(required=True, metadata={"description": "client-generated UUID; replays are answered, not redone"})


def Text(max_len, required=True, min_len=1, multiline=False, **kw):
    """A non-blank string of bounded length; on one line unless ``multiline`` (a note, a reason)."""
    return CleanString(required=required, multiline=multiline,
                       validate=[Length(min=min_len, max=max_len), Regexp(r"\s*\S", error="must not be blank")], **kw)


def Prose(max_len, required=True, **kw):
    """Text typed in a box of several lines (a reason, a note, an answer): tab and line breaks kept."""
    return Text(max_len, required=required, multiline=True, **kw)


def Day(**kw):
    """A day in a query's date range (since/until): the years the system's figures span. Day 1 or
    9999-12-31 would overflow when turned into the UTC moment a China day starts (a 500)."""
    return Date(validate=Range(min=date(2000, 1, 1), max=date(2100, 12, 31),
                               error="must be between 2000-01-01 and 2100-12-31"), **kw)


def Id(**kw):
    """A row id in input: a positive 32-bit integer."""
    return Integer(validate=Range(min=1, max=MAX_ID), **kw)


class IdList(String):
    """Comma-separated row ids in a query (``3,17,42``), loaded as a list of ints; at most ``most``,
    each a positive 32-bit integer."""
    PATTERN = re.compile(r"[1-9]\d{0,9}(,[1-9]\d{0,9})*")

    def __init__(self, most=2000, **kw):
        super().__init__(**kw)
        self.most = most

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not self.PATTERN.fullmatch(text):
            raise ValidationError("comma-separated positive ids")
        ids = [int(i) for i in text.split(",")]
        if len(ids) > self.most:
            raise ValidationError(f"at most {self.most} ids")
        if max(ids) > MAX_ID:
            raise ValidationError(f"ids are at most {MAX_ID}")
        return ids
