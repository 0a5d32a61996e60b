"""Every list endpoint pages the same way.

    ?page=1&per_page=20           → {items, page, per_page, total, total_capped, next}
    ?after=<next>&per_page=20     → the page after the one that answered ``next`` (keyset);
                                    ``page``, ``total`` and ``total_capped`` are null
    ?after=<prev>&per_page=20     → the page before the one that answered ``prev``, the same way

A page's ``prev`` (null on the first page) is a position too, marked as one to go back from: the
database seeks backwards from the page's first row through the same index, so 上一页 from the 300th
page costs what 下一页 does.

``after`` pages by key: the database seeks to the last row seen through the list's own order and
index instead of counting past every earlier row (OFFSET), so the 300th page of a province's
payments costs what the first does. ``page`` stays for screens that number their pages. ``total``
counts at most ``COUNT_LIMIT`` (1,000) rows (``total_capped`` says the list goes on), so a first page never
counts ten million rows either; a page by key counts nothing (the first page said how many). A list
found to go past the cap is not counted again for ten seconds (``_Capped``).

Both databases sort NULL as the largest value here (PostgreSQL's own default), so a cursor means
the same row order on SQLite and PostgreSQL."""
import base64
import binascii
import datetime as dt
import json
import time
from decimal import Decimal, InvalidOperation

from apiflask import Schema
from apiflask.fields import Boolean, Integer, String
from apiflask.validators import Length, Range, Regexp
from flask import request
from sqlalchemy import (Integer as SqlInteger, and_, bindparam, event, false, func, inspect, literal, literal_column,
                        or_, select, tuple_)
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator
from sqlalchemy.sql.elements import UnaryExpression

from ..extensions import db
from . import partitions, remembered, scoping
from .auth import actor
from .errors import bad_field
from .plans import written

COUNT_LIMIT = 1_000


class PageQuery(Schema):
    page = Integer(load_default=1, validate=Range(min=1, max=100000))
    per_page = Integer(load_default=20, validate=Range(min=1, max=100))
    after = String(validate=[Length(min=1, max=400), Regexp(r"^[A-Za-z0-9_-]+$", error="not a page position")],
                   metadata={"description": "a page's ``next`` (the page after it) or ``prev`` (the page before it): "
                                            "page by key instead of number"})


def page_fields():
    return {"page": Integer(required=True, allow_none=True), "per_page": Integer(required=True),
            "total": Integer(required=True, allow_none=True, metadata={
                "description": "how many rows the list holds, counted up to 1,000; null on a page by key"}),
            "total_capped": Boolean(required=True, allow_none=True),
            "next": String(required=True, allow_none=True),
            "prev": String(allow_none=True, metadata={
                "description": "the position of the page before this one (for ``after``); null on the first page"})}


def paginate(stmt, query, scalars=True, counting=None):
    """Run ordered ``stmt`` for the page ``query`` (a ``PageQuery``) asks for; returns the envelope
    dict (items are ORM rows, or tuples with ``scalars=False``). 400 ``cursor_invalid`` for an
    ``after`` this list did not hand out. ``counting``: the SELECT of the same rows without the
    outer joins ``stmt`` adds only to read more of each item (its code, its project), counted in
    its place: 1,001 rows joined to nothing more."""
    position = None if query.get("after") is None else _position(query["after"])
    described = stmt.column_descriptions  # (worked out anew on each reading: read once)
    keys = _keys(stmt, described[0].get("entity"))
    values = None if position is None else _typed_values(keys, position[0])
    count = capped_key = None
    if position is None:
        count = _count_of(stmt if counting is None else counting)
        capped_key = CAPPED.key_of(count)
        if CAPPED.holds(capped_key):
            count = None
    plan = _plan(stmt, described, counting, count, query, keys, values, position is not None and position[1])
    return _envelope(plan, plan.read(lambda: db.session.execute(plan.paged).all()), query, scalars, capped_key)


def paginate_remembered(build, query):
    """The page ``paginate(stmt, query, scalars=False, counting=counting)`` answers, ``build()``
    giving ``(stmt, counting)``, for a list whose SELECT lists columns and depends only on the
    query, the signed-in user and the regions. The SQL the page sends is remembered per list,
    user, filters and kind of page (first, numbered, forward or back by key, which of the
    position's values are NULL, counted or not), so that the next such page skips putting the
    statement together and running it through the ORM (1–1.3 ms of a 3 ms page) and sends the
    same text with its own position and OFFSET as parameters; the rows still come from the
    database on every page. It is forgotten when a user or a region changes (``remembered``,
    PostgreSQL: the scope's path is in the text, and the region asked for was found inside the
    user's when it was built). Elsewhere, and for a role that sees less than its region (what a
    department owns is read when the statement is built: ``scoping.NARROWED``), it is
    ``paginate``.

    What is remembered is the text and the parameters the driver was given, with the position's
    values and the OFFSET named (``_plan``) so that they can be given anew (``_Plan.run``)."""
    user = actor()
    known = remembered.memory("statements")
    if known is None or user.role in scoping.NARROWED:
        return _plainly(build, query)
    position = None if query.get("after") is None else _position(query["after"])
    # (the count's limit is written into the text too)
    list_key = (request.endpoint, user.id, user.role, user.region_id, COUNT_LIMIT,
                repr(sorted((k, v) for k, v in query.items() if k not in ("page", "after"))))
    capped = position is None and CAPPED.holds(list_key)
    kind = ("first" if query["page"] == 1 else "number") if position is None else "back" if position[1] else "on"
    page_key = (list_key, kind, None if position is None else tuple(v is None for v in position[0]), capped)
    plan = known.recall(page_key)
    if plan is None:
        mark = known.mark()
        stmt, counting = build()
        described = stmt.column_descriptions
        if len(described) != len(stmt.selected_columns):  # (an entity: its rows are built by the ORM)
            raise TypeError("paginate_remembered lists columns, not entities")
        keys = _keys(stmt, described[0].get("entity"))
        values = None if position is None else _typed_values(keys, position[0])
        count = None if position is not None or capped else _count_of(stmt if counting is None else counting)
        plan = _plan(stmt, described, counting, count, query, keys, values, position is not None and position[1])
        sent = []
        connection = db.session.connection()

        def capture(conn, cursor, statement, parameters, context, executemany):
            sent.append((statement, parameters))
        event.listen(connection, "before_cursor_execute", capture)
        try:
            rows = plan.read(lambda: db.session.execute(plan.paged).all())
        finally:
            event.remove(connection, "before_cursor_execute", capture)
        selects = [(statement, parameters) for statement, parameters in sent if statement.startswith("SELECT")]
        if len(selects) == 1:  # (the page's statement, as the driver got it)
            plan.sql, plan.parameters = selects[0]
            known.keep(page_key, plan, mark)
        return _envelope(plan, rows, query, False, list_key)
    values = None if position is None else _typed_values(plan.keys, position[0])
    rows = plan.read(lambda: plan.run(values, query))
    if plan.count is not None and not rows and query["page"] > 1:  # past the end: counted apart
        return _plainly(build, query)
    return _envelope(plan, rows, query, False, list_key)


def _plainly(build, query):
    stmt, counting = build()
    return paginate(stmt, query, scalars=False, counting=counting)


class _Plan:
    """A page's SELECT as ``_plan`` builds it, and what the envelope needs to read its rows; with
    ``paginate_remembered``, the SQL the driver was given (``sql``, ``parameters``) to send again."""
    sql = parameters = None

    def __init__(self, paged, count, keys, width, backwards, partitioned):
        self.paged, self.count, self.keys, self.width = paged, count, keys, width
        self.backwards, self.partitioned = backwards, partitioned
        self.binders = self.processors = None  # (worked out at the first run: the driver's types)

    def read(self, run):
        """``run()``'s rows: going back through a partitioned table, with sorting off (``_read_back``)."""
        return _read_back(run) if self.backwards and self.partitioned else run()

    def run(self, values, query):
        """The rows for these position values (or this page number), from the remembered SQL, each
        value made what the driver takes and each column what SQLAlchemy would have made it."""
        connection = db.session.connection()
        dialect = connection.dialect
        if self.binders is None:
            self.binders = [key.expr.type._cached_bind_processor(dialect) for key in self.keys]
        parameters = dict(self.parameters)
        for i, (bind, value) in enumerate(zip(self.binders, values or ())):
            if value is not None:
                parameters[f"jicai_after_{i}"] = value if bind is None else bind(value)
        if "jicai_skip" in parameters:
            parameters["jicai_skip"] = (query["page"] - 1) * query["per_page"]
        fetched, description = _send(connection, self.sql, parameters)  # (in the request's transaction, if any)
        if self.processors is None:  # (the columns SQLAlchemy turns into something else: UTC times)
            self.processors = [(i, f) for i, (column, described) in enumerate(
                zip(self.paged.selected_columns, description))
                if (f := column.type._cached_result_processor(dialect, described[1])) is not None]
        rows = []
        for row in fetched:
            row = list(row)
            for i, f in self.processors:
                if row[i] is not None:
                    row[i] = f(row[i])
            rows.append(row)
        return rows


def _plan(stmt, described, counting, count, query, keys, values, backwards):
    """The SELECT of the page: ``stmt`` in its keys' order (reversed going back), past the position
    ``values`` or at page ``query["page"]``, one row more than the page to see whether more follow,
    each row ending with its key values and, on a page by number whose count is not known to be
    capped, the count. The position's values and the OFFSET are named parameters (``jicai_after_<i>``,
    ``jicai_skip``), so the same SQL serves any position of the same kind. ``count``: the count's
    SELECT (``_count_of``), None when the page does not count (by key, or known to be capped)."""
    per_page = query["per_page"]
    entity = described[0].get("entity")
    if backwards:  # the same keys the other way round (NULL still the largest), then read back
        keys = [_Key(k.expr, not k.descending) for k in keys]
    width = len(described)  # what one result row holds before the keys
    stmt = stmt.order_by(None).order_by(*(k.clause for k in keys))
    paged = stmt.add_columns(*(k.expr for k in keys)).limit(written(per_page + 1, "limit"))
    if values is not None:
        paged = paged.where(_beyond(keys, values, named=True))
    else:
        # The count rides on the page's rows as one more column (the database counts once, in the
        # same round trip); only a page past the end, with no row to carry it, asks for it apart.
        if count is not None:
            paged = paged.add_columns(count.scalar_subquery())
        if query["page"] > 1:
            skip = bindparam("jicai_skip", (query["page"] - 1) * per_page, type_=SqlInteger)
            if counting is not None:
                # Pass the earlier rows without the joins that only read more of each item, then read
                # the page's own rows with them (an OFFSET would join every row it passes).
                ident = _ident(entity)
                passed = counting.order_by(None).order_by(*(k.clause for k in keys)).with_only_columns(
                    ident, maintain_column_froms=True).offset(skip).limit(per_page + 1)
                paged = paged.where(ident.in_(passed.scalar_subquery()))
            else:  # (the first page has no OFFSET: a bound one would keep PostgreSQL from planning it once)
                paged = paged.offset(skip)
    partitioned = entity is not None and inspect(entity).local_table.name in partitions.PARTITIONED
    return _Plan(paged, count, keys, width, backwards, partitioned)


def _envelope(plan, rows, query, scalars, capped_key):
    """The page's envelope from the rows ``plan`` read; ``capped_key``: its count's in ``CAPPED``."""
    per_page, after, width = query["per_page"], query.get("after"), plan.width
    counted = None
    if after is None and plan.count is None:
        counted = COUNT_LIMIT + 1
    elif after is None:  # (a first page with no row: nothing to count)
        counted = rows[0][-1] if rows else 0 if query["page"] == 1 else db.session.scalar(plan.count)
        rows = [row[:-1] for row in rows]
        if counted > COUNT_LIMIT:
            CAPPED.learn(capped_key)
    more, rows = len(rows) > per_page, rows[:per_page]
    if plan.backwards:  # read going back from the position: the rows before it, and maybe more before them
        rows.reverse()
        earlier, later = more, bool(rows)
    else:
        earlier, later = bool(rows) and (after is not None or query["page"] > 1), more
    items = [row[0] if scalars else tuple(row[:width]) for row in rows]
    return {"items": items, "page": None if after is not None else query["page"], "per_page": per_page,
            "total": None if counted is None else min(counted, COUNT_LIMIT),
            "total_capped": None if counted is None else counted > COUNT_LIMIT,
            "next": _encode(rows[-1][width:]) if later else None,
            "prev": _encode(rows[0][width:], back=True) if earlier else None}


class _Capped:
    """The counts known to have reached the cap, for ``TTL`` seconds. Counting a list to its cap
    costs what its scope costs to walk: a province's first page of payments probes every region
    until 1,001 rows are found (1.5–3 ms of its 4–6), a township's a few. Once a count says "more
    than 1,000", the same list (the same statement with the same values: scope, filters; or, for
    ``paginate_remembered``, the same list, user and filters) is answered "1000+" without counting
    again until the entry is ``TTL`` seconds old. A count under
    the cap is never kept, so a list of a few hundred shows a new row at once; what the trade costs:
    a list taken below 1,001 rows by deleting (an import withdrawn) may still say "1000+" for up to
    ``TTL`` seconds in a process that counted it before."""
    TTL = 10.0
    SIZE = 4096

    def __init__(self):
        self.seen = {}

    @staticmethod
    def key_of(count):
        """A count's key: the statement's structure and every value bound into it (None: not one
        to keep)."""
        key = count._generate_cache_key()
        return None if key is None else (key.key, tuple(repr(p.effective_value) for p in key.bindparams))

    def holds(self, key):
        when = None if key is None else self.seen.get(key)
        return when is not None and time.monotonic() - when < self.TTL

    def learn(self, key):
        if key is None:
            return
        if len(self.seen) >= self.SIZE:
            self.seen.clear()
        self.seen[key] = time.monotonic()


CAPPED = _Capped()


def _count_of(stmt):
    """The SELECT counting the rows of ``stmt``, at most one past ``COUNT_LIMIT``, each read as the
    constant 1 (nothing of a row is carried to be counted; a DISTINCT or grouped SELECT keeps its
    columns)."""
    stmt = stmt.order_by(None).limit(written(COUNT_LIMIT + 1, "limit"))
    if not (stmt._distinct or stmt._group_by_clauses):
        stmt = stmt.with_only_columns(literal_column("1"), maintain_column_froms=True)
    return select(func.count()).select_from(stmt.subquery())


def _read_back(run):
    """The rows ``run()`` reads of a page going back through a partitioned table. PostgreSQL
    estimates a row comparison from its first column alone, so going back from a row of the newest
    month of the payments (partitioned by year on the month) it expects next to no rows and plans to
    append every partition's rows before the position and sort them rather than walk each
    partition's index and merge: a page back from the 300th sorted 6,000 rows (18 ms against 0.3).
    With sorting off for this one statement it merges (and still sorts where no index gives the
    order). A list of a table that is not partitioned has one index to walk and is read as it is
    (``_Plan.read``: two round trips fewer). In a transaction the setting is the transaction's
    (``SET LOCAL``); a request that reads has none (``extensions.reads_without_transaction``), so
    there it is the connection's, set back whatever the statement does."""
    if db.session.get_bind().dialect.name != "postgresql":
        return run()
    connection = db.session.connection()
    raw = connection.connection.dbapi_connection
    if raw.autocommit and not raw.info.transaction_status:  # (IDLE, 0: no transaction)
        _send(connection, "SET enable_sort = off")
        try:
            return run()
        finally:
            _send(connection, "RESET enable_sort")
    _send(connection, "SET LOCAL enable_sort = off")
    rows = run()
    _send(connection, "RESET enable_sort")
    return rows


def _send(connection, statement, parameters=None):
    """The rows ``statement`` answers (None for one that answers none), sent on the driver's cursor
    of ``connection``: SQLAlchemy's own execution would build a result's description anew each time
    (0.15–0.2 ms of a page). The engine's statement listeners are told as SQLAlchemy tells them,
    with no execution context (there is none)."""
    with connection.connection.dbapi_connection.cursor() as cursor:
        connection.dispatch.before_cursor_execute(connection, cursor, statement, parameters, None, False)
        cursor.execute(statement, parameters)
        connection.dispatch.after_cursor_execute(connection, cursor, statement, parameters, None, False)
        return (cursor.fetchall(), cursor.description) if cursor.description is not None else None


class _Key:
    """One ORDER BY term: the expression, its direction, and the type its cursor value takes."""

    def __init__(self, expr, descending):
        self.expr, self.descending = expr, descending
        self.clause = expr.desc().nulls_first() if descending else expr.asc().nulls_last()
        kind = expr.type
        while isinstance(kind, TypeDecorator):  # (the UTC timestamp type: a datetime underneath)
            kind = kind.impl_instance
        try:
            self.python_type = kind.python_type
        except NotImplementedError:
            self.python_type = None


def _ident(entity):
    """The primary key column of the entity a list's SELECT lists first (None for no entity)."""
    return None if entity is None else inspect(entity).primary_key[0]


def _keys(stmt, entity):
    """The statement's order, made total: the listed ``entity``'s id breaks any remaining ties."""
    keys = []
    for clause in stmt._order_by_clauses:
        descending = isinstance(clause, UnaryExpression) and clause.modifier is operators.desc_op
        keys.append(_Key(clause.element if isinstance(clause, UnaryExpression) else clause, descending))
    ident = _ident(entity)
    if ident is not None:
        if not any(k.expr is ident or getattr(k.expr, "key", None) == ident.key and
                   getattr(k.expr, "table", None) is ident.table for k in keys):
            keys.append(_Key(ident, False))
    return keys


def _beyond(keys, values, named=False):
    """Rows after the one with these key values, in the keys' order (NULL last going up).
    ``named``: each value (but NULL) a parameter named ``jicai_after_<its key's index>``."""
    one_seek = None not in values and len({k.descending for k in keys}) == 1 and not any(map(_nullable, keys))
    if named:
        values = [None if v is None else bindparam(f"jicai_after_{i}", v, type_=k.expr.type)
                  for i, (k, v) in enumerate(zip(keys, values))]
    if one_seek:
        row, seen = tuple_(*(k.expr for k in keys)), tuple_(*values)  # one index seek
        return row < seen if keys[0].descending else row > seen
    ways = []
    for i, (key, value) in enumerate(zip(keys, values)):
        same = [_equal(k, v) for k, v in zip(keys[:i], values[:i])]
        ways.append(and_(*same, _after(key, value)))
    return or_(*ways)


def _equal(key, value):
    return key.expr.is_(None) if value is None else key.expr == value


def _after(key, value):
    if value is None:  # NULL is the largest: nothing after it going up; every value going down
        return key.expr.is_not(None) if key.descending else false()
    if isinstance(value, bool):  # (SQLAlchemy compares a flag with True/False by = and IS only)
        value = literal(value)
    if key.descending:
        return key.expr < value
    return or_(key.expr > value, key.expr.is_(None)) if _nullable(key) else key.expr > value


def not_null(expr):
    """Mark an ORDER BY expression (not a column) that is never NULL — a CASE with an ELSE — so that
    a cursor past it is one row comparison the database can seek to in an index."""
    return expr._annotate({"not_null": True})


def _nullable(key):
    if key.expr._annotations.get("not_null"):
        return False
    return getattr(key.expr, "nullable", True)


def _encode(values, back=False):
    """A position: the key values of a row, as a list; going back from it, wrapped as {"b": [...]}."""
    plain = [_plain(v) for v in values]
    text = json.dumps({"b": plain} if back else plain, ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime, Decimal)):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    return value


def _position(cursor):
    """A position's key values as sent (not yet typed: ``_typed_values``) and whether it is one to
    go back from."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        backwards = isinstance(values, dict)
        if backwards:
            if list(values) != ["b"]:
                raise ValueError
            values = values["b"]
        if not isinstance(values, list):
            raise ValueError
        return values, backwards
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise _invalid()


def _typed_values(keys, values):
    """A position's values, each as its key's column compares with; 400 ``cursor_invalid`` for
    values this list did not hand out."""
    try:
        if len(values) != len(keys):
            raise ValueError
        return [_typed(k, v) if v is not None else _null(k) for k, v in zip(keys, values)]
    except (ValueError, TypeError, InvalidOperation, OverflowError):
        raise _invalid()


def _invalid():
    return bad_field("query.after", "cursor_invalid", "翻页位置无效：请从第一页重新开始",
                     "This page position is not valid here; start again from the first page")


def _null(key):
    """NULL is a position only in a key that can be NULL; in another it is a forged cursor."""
    if _nullable(key):
        return None
    raise ValueError(key)


def _typed(key, value):
    """A cursor value back to what the column compares with; anything else is a forged cursor."""
    kind = key.python_type
    if kind is bool:
        if isinstance(value, bool):
            return value
    elif kind in (dt.datetime, dt.date):
        if isinstance(value, str):
            parsed = kind.fromisoformat(value)
            return parsed if kind is dt.datetime or not isinstance(parsed, dt.datetime) else parsed.date()
    elif kind is Decimal:
        if isinstance(value, str):
            return Decimal(value)
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**63:
            return value
    elif kind is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif kind is str:
        if isinstance(value, str) and "\x00" not in value:
            return value
    elif isinstance(value, (int, str)) and not isinstance(value, bool):
        return value
    raise ValueError(value)
