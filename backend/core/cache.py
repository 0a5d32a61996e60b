"""A small per-process LRU for rendered responses. Entries are keyed by the data's own version
(e.g. a project's chain head), so a stale entry is never served — it is simply never asked for
again — and app servers stay stateless: each worker warms its own copy."""
import threading
from collections import OrderedDict


class Lru:
    def __init__(self, size):
        self.size = size
        self._items = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key, value):
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
