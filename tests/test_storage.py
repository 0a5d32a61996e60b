"""Photos end to end on S3-compatible object storage (moto stands in for the server)."""
import hashlib

import boto3
import pytest
from moto import mock_aws

from backend.core.storage import S3Storage, from_config
from conftest import jpeg_bytes, photo_form


@pytest.fixture
def s3(app, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="jicai-evidence")
        old = {k: app.config.get(k) for k in ("STORAGE_S3_BUCKET", "STORAGE_S3_PREFIX", "STORAGE_S3_REGION")}
        app.config.update(STORAGE_S3_BUCKET="jicai-evidence", STORAGE_S3_PREFIX="prod",
                          STORAGE_S3_REGION="us-east-1")
        try:
            yield boto3.client("s3", region_name="us-east-1")
        finally:
            app.config.update(old)


def test_storage_round_trip(s3):
    store = S3Storage("jicai-evidence", "x", region="us-east-1")
    assert store.get("a/b.jpg") is None
    store.put("a/b.jpg", b"bytes")
    assert store.get("a/b.jpg") == b"bytes"
    store.delete("a/b.jpg")
    assert store.get("a/b.jpg") is None


def test_photos_land_in_the_bucket(app, s3, login_as, make_project, make_inspection):
    inspection = make_inspection(make_project(stage="construction"))
    client = login_as("inspector")
    data = jpeg_bytes(21)
    r = client.post(f"/api/v1/inspections/{inspection}/photos", form=photo_form(data))
    assert r.status_code == 201, r.json
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="jicai-evidence", Prefix="prod/")["Contents"]}
    sha = hashlib.sha256(data).hexdigest()
    assert f"prod/photos/original/{sha[:2]}/{sha}" in keys
    assert f"prod/photos/thumb/{r.json['id']}.jpg" in keys
    served = client.get(r.json["thumb_url"])
    assert served.status_code == 200 and served.data[:3] == b"\xff\xd8\xff"
    with app.app_context():
        assert isinstance(from_config(app.config), S3Storage)
