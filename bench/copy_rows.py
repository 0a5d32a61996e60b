"""The COPY baseline the import benchmarks measure against: rows dumped as COPY text, and COPY'd back
into the same table (its indexes, constraints, foreign keys and partitions)."""


def dump(conn, query):
    """The rows of ``query`` (a SELECT) as COPY text."""
    data = bytearray()
    with conn.cursor() as cur, cur.copy(f"COPY ({query}) TO STDOUT") as copy:
        for chunk in copy:
            data += chunk
    return bytes(data)


def load(cur, table, data):
    """COPY ``data`` (COPY text of all the table's columns) into ``table``, a megabyte at a time."""
    with cur.copy(f"COPY {table} FROM STDIN") as copy:
        view = memoryview(data)
        for start in range(0, len(view), 1 << 20):
            copy.write(view[start:start + (1 << 20)])
