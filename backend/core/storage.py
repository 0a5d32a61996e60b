"""Where files live: a local folder by default, S3-compatible object storage (AWS S3, MinIO, Aliyun
OSS, Tencent COS...) when ``STORAGE_S3_BUCKET`` is set. The interface is three calls, so features
never know which one they talk to."""
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


class S3Storage:
    """Objects in one bucket under a prefix. boto3 is imported only when this backend is used."""

    def __init__(self, bucket, prefix="", endpoint_url=None, region=None, access_key=None, secret_key=None):
        import boto3
        self.bucket, self.prefix = bucket, prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region,
                                   aws_access_key_id=access_key, aws_secret_access_key=secret_key)
        self._missing = self.client.exceptions.NoSuchKey

    def get(self, key):
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)["Body"].read()
        except self._missing:
            return None

    def put(self, key, data):
        self.client.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=data)

    def delete(self, key):
        self.client.delete_object(Bucket=self.bucket, Key=self.prefix + key)


_cache = {}


def from_config(config):
    """The storage the configuration names (one client per process and setting)."""
    if config.get("STORAGE_S3_BUCKET"):
        settings = tuple(config.get(k) for k in ("STORAGE_S3_BUCKET", "STORAGE_S3_PREFIX",
                                                 "STORAGE_S3_ENDPOINT", "STORAGE_S3_REGION",
                                                 "STORAGE_S3_ACCESS_KEY", "STORAGE_S3_SECRET_KEY"))
        if settings not in _cache:
            _cache[settings] = S3Storage(*settings)
        return _cache[settings]
    return LocalStorage(config["STORAGE_DIR"])
