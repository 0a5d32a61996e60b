"""Where files live: a local folder by default. The interface is three calls so an S3-compatible
backend can stand in without the features noticing."""
import os
import tempfile
from pathlib import Path


class LocalStorage:
    """Files under one folder; writes are atomic (temp file + rename), so concurrent workers that
    produce the same cached file never expose a half-written one."""

    def __init__(self, root):
        self.root = Path(root)

    def _path(self, key):
        path = (self.root / key).resolve()
        if not str(path).startswith(str(self.root.resolve()) + os.sep):
            raise ValueError(f"storage key escapes the root: {key!r}")
        return path

    def get(self, key):
        """The bytes stored under ``key``, or None."""
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def put(self, key, data):
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)

    def delete(self, key):
        self._path(key).unlink(missing_ok=True)


def from_config(config):
    return LocalStorage(config["STORAGE_DIR"])
