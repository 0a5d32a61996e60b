"""Answers are written by orjson (``core/json_out.py``) as Flask's own encoder wrote them."""
import dataclasses
import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from flask.json.provider import DefaultJSONProvider


@dataclasses.dataclass
class Point:
    x: int
    label: str


VALUES = [
    {"b": 1, "a": [1.5, 1e16, -0.0, 2**63, True, None], "中文": "村民\u2028“引号” \\ \"", "z": {"y": {}, "x": []}},
    [Decimal("1234567.10"), dt.date(2026, 1, 2), dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.timezone.utc)],
    {"id": uuid.UUID("12345678-1234-5678-1234-567812345678"), "point": Point(3, "甲")},
    {2: "keys that are not text", 1: "b"},  # (orjson will not: Flask's encoder writes them)
    {"big": 2**70},  # past 64 bits: Flask's encoder
    "",
    None,
]


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_an_answer_is_the_text_flasks_encoder_writes(app, value):
    with app.test_request_context():
        ours = app.json.response(value).get_data(as_text=True)
        flasks = DefaultJSONProvider(app)
        flasks.ensure_ascii = False
        assert ours == flasks.response(value).get_data(as_text=True)


def test_what_neither_can_write_is_refused_the_same_way(app):
    with app.test_request_context(), pytest.raises(TypeError):
        app.json.response({"a": {1, 2}})


def test_a_real_page_is_compact_sorted_and_unescaped(app, login_as, make_project):
    make_project(name="编码测试项目")
    r = login_as("county").get("/api/v1/projects?q=编码测试项目")
    text = r.get_data(as_text=True)
    assert "编码测试项目" in text  # not \\u escaped
    assert text == json.dumps(r.json, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def test_a_json_column_reads_back_whatever_was_written():
    """JSON columns are read by orjson, and by ``json`` what orjson will not read (NaN, infinity,
    integers past 64 bits, which ``json.dumps`` writes), from text or from the driver's bytes."""
    import json
    from backend.extensions import read_json, stored_json
    for value in ({"amount": "12.50", "ratio": 0.125, "ids": [1, 2], "name": "锦城街道"}, {"ratio": float("nan")},
                  {"over": float("inf")}, {"id": 2**70}, {"id": 2**63}, {"card": "6217000012345678901"}, [], "文本", None):
        written = stored_json(value)
        for given in (written, written.encode()):
            assert json.dumps(read_json(given)) == json.dumps(value), (value, type(given))
