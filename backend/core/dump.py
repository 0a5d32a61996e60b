"""Answers written out fast: each output schema compiled once into a plain function.

marshmallow's ``Schema.dump`` works out, for every field of every item, how to read the value and
which formatting applies: a province's page of twenty warnings is over 700 field calls (5–8 % of
the request; 13–20 % of a page of 100). ``compiled(schema)`` decides that once per schema — the key each field
reads, what it writes, the nested schemas compiled the same way — and returns a function that does
only the reading and formatting. It is the same dump: a field it has no shortcut for is formatted by
the field's own ``_serialize`` (or, where a field class reads its value its own way, by its
``serialize``), and a schema with dump hooks or its own attribute reader is dumped by marshmallow.

``DumpAdapter`` is APIFlask's marshmallow adapter with this dump; ``install()`` registers it before
the blueprints declare their outputs. With ``VERIFY_DUMP`` set (the tests set it), every answer is
dumped both ways and a difference — a value, a key, the keys' order — fails the request, so every
test of every endpoint checks the shortcut against marshmallow.
"""
import json

from apiflask.schema_adapters.marshmallow import MarshmallowAdapter
from apiflask.schema_adapters.registry import registry
from apiflask.schemas import EmptySchema, FileSchema
from flask import current_app
from marshmallow import Schema, fields, missing
from marshmallow.decorators import POST_DUMP, PRE_DUMP
from marshmallow.utils import ensure_text_type


def compiled(schema):
    """``fn(obj) → dict`` dumping one object as ``schema.dump(obj, many=False)`` would (kept on the
    schema instance: it lives as long as the schema)."""
    one = schema.__dict__.get("_compiled_dump")
    if one is None:
        one = schema._compiled_dump = _compile(schema)
    return one


def dump(schema, obj, many=False):
    """``schema.dump(obj, many=many)``, through the compiled function."""
    one = compiled(schema)
    return [one(item) for item in obj] if many and obj is not None else one(obj)


def _compile(schema):
    if (schema._hooks[PRE_DUMP] or schema._hooks[POST_DUMP] or schema.dict_class is not dict
            or type(schema).get_attribute is not Schema.get_attribute):
        return lambda obj: schema.dump(obj, many=False)
    steps = [_step(schema, name, field) for name, field in schema.dump_fields.items()]

    def any_object(obj):
        out = {}
        for key, value_of in steps:
            value = value_of(obj)
            if value is not missing:
                out[key] = value
        return out
    return _for_dicts(schema, steps, any_object)


def _for_dicts(schema, steps, any_object):
    """``one(obj)``: for a dict (most answers are built as dicts), the steps written out as one
    function's lines — a lookup and the formatting inline for text, whole numbers and values
    written as they are, no call per field; any other object goes to ``any_object``. The lines
    are Python generated here from the schema's own fields (names written as ``repr`` literals)."""
    scope = {"M": missing, "ets": ensure_text_type, "any_object": any_object}
    lines = ["def one(obj):", "    if type(obj) is not dict:", "        return any_object(obj)",
             "    get, out = obj.get, {}"]
    for i, ((key, value_of), (name, field)) in enumerate(zip(steps, schema.dump_fields.items())):
        scope[f"s{i}"] = value_of
        if not _plain_read(field, name):
            lines += [f"    v = s{i}(obj)", "    if v is not M:", f"        out[{key!r}] = v"]
            continue
        scope[f"r{i}"] = _reader(field.attribute or name, field.dump_default)
        scope[f"w{i}"] = _writer(name, field)
        written = _inline(field, i, scope)
        lines += [f"    v = get({field.attribute or name!r}, M)", "    if v is M:", f"        v = r{i}(obj)",
                  "    if v is not M:", f"        out[{key!r}] = {written}"]
    lines.append("    return out")
    exec("\n".join(lines), scope)  # noqa: S102 (the lines above, from the schema's field names)
    return scope["one"]


def _inline(field, i, scope):
    """The expression writing value ``v`` of field ``i`` as its ``_serialize`` would (names it needs
    put in ``scope``); ``w<i>(v, obj)``, the field's writer, where there is no shortcut."""
    kind = type(field)
    if kind is fields.String:
        return "v if v is None or type(v) is str else ets(v)"
    if kind is fields.Integer and not field.as_string:
        return "v if v is None or type(v) is int else int(v)"
    if kind not in (fields.Nested, fields.List) and kind._serialize is fields.Field._serialize:
        return "v"  # (Raw, Boolean: the value as it is)
    temporal = getattr(fields, "_TemporalField", ())
    if isinstance(field, temporal) and kind._serialize is temporal._serialize:
        scope[f"f{i}"] = field.SERIALIZATION_FUNCS.get(field.format or field.DEFAULT_FORMAT)
        if scope[f"f{i}"] is not None:  # (a strftime pattern: the writer)
            return f"None if v is None else f{i}(v)"
    if kind is fields.Dict and kind._serialize is fields.Mapping._serialize and not (field.key_field or field.value_field):
        scope[f"f{i}"] = field.mapping_type
        return f"None if v is None else f{i}(v)"
    nested = field if kind is fields.Nested else field.inner if kind is fields.List else None
    many = type(nested) is fields.Nested and (nested.schema.many or nested.many)
    if type(nested) is fields.Nested and not (many and kind is fields.List):  # (a list of lists: the writer)
        scope[f"f{i}"] = compiled(nested.schema)
        return f"None if v is None else [f{i}(x) for x in v]" if many or kind is fields.List else (
            f"None if v is None else f{i}(v)")
    return f"w{i}(v, obj)"


def _plain_read(field, name):
    """Whether the field's value is read by its key (else by its own ``serialize``)."""
    return not (type(field).serialize is not fields.Field.serialize or not field._CHECK_ATTRIBUTE
                or "." in (field.attribute or name))


def _step(schema, name, field):
    """(key, fn(obj) → the field's dumped value or ``missing``) for one field."""
    key = field.data_key if field.data_key is not None else name
    if not _plain_read(field, name):
        return key, lambda obj: field.serialize(name, obj, accessor=schema.get_attribute)
    read, write = _reader(field.attribute or name, field.dump_default), _writer(name, field)

    def value_of(obj):
        value = read(obj)
        return value if value is missing else write(value, obj)
    return key, value_of


def _reader(key, default):
    """marshmallow's ``utils.get_value`` for a plain key, then the field's ``dump_default``."""
    def read(obj):
        if type(obj) is dict:  # (most answers are built as dicts: one lookup)
            value = obj.get(key, missing)
            if value is missing:
                value = getattr(obj, key, missing)
        elif hasattr(obj, "__getitem__"):
            try:
                value = obj[key]
            except (KeyError, IndexError, TypeError, AttributeError):
                value = getattr(obj, key, missing)
        else:
            value = getattr(obj, key, missing)
        if value is missing:
            value = default() if callable(default) else default
        return value
    return read


def _writer(name, field):
    """fn(value, obj) → the field's ``_serialize(value, name, obj)``, shortened where it is known."""
    kind = type(field)
    if kind is fields.Nested:
        return _nested(field)
    if kind is fields.List and type(field.inner) is fields.Nested:
        each = _nested(field.inner)
        return lambda value, obj: None if value is None else [each(item, obj) for item in value]
    if kind is fields.String:
        return lambda value, obj: None if value is None else (
            value if type(value) is str else ensure_text_type(value))
    if kind is fields.Integer and not field.as_string:
        return lambda value, obj: None if value is None else (value if type(value) is int else int(value))
    if kind._serialize is fields.Field._serialize:  # Raw, Boolean: the value as it is
        return lambda value, obj: value
    return lambda value, obj: field._serialize(value, name, obj)


def _nested(field):
    """A ``Nested`` field's dump: its schema compiled (one object or, with ``many``, a list)."""
    schema = field.schema
    one = compiled(schema)
    if schema.many or field.many:
        return lambda value, obj: None if value is None else [one(item) for item in value]
    return lambda value, obj: None if value is None else one(value)


class DumpAdapter(MarshmallowAdapter):
    """APIFlask's marshmallow adapter, dumping through the compiled function."""

    def serialize_output(self, data, many=False):
        if not isinstance(self.schema, Schema) or isinstance(self.schema, (EmptySchema, FileSchema)):
            return super().serialize_output(data, many=many)
        out = dump(self.schema, data, many=many)
        if current_app.config.get("VERIFY_DUMP"):
            expected = self.schema.dump(data, many=many)
            if _written(out) != _written(expected):
                raise AssertionError(f"compiled dump of {type(self.schema).__name__} differs from marshmallow's:\n"
                                     f"{_written(out)[:2000]}\n{_written(expected)[:2000]}")
        return out


def _written(value):
    return json.dumps(value, ensure_ascii=False, default=repr)


def install():
    """Make APIFlask's outputs use ``DumpAdapter`` (before the blueprints declare them)."""
    registry.register("marshmallow", DumpAdapter)
