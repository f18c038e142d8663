"""Attachments and job files on S3 (ORDERDESK_STORAGE=s3://bucket/prefix), against moto's
standalone server started by these tests as an S3 stand-in (tests/s3_server.py): uploads and
downloads through the panel, files removed only once a delete is committed, exports, moving a
local instance's files with `move-attachments`, and a storage setting refused at startup."""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, select

from actions.attachments import add_attachment
from admin.jobs import export_file
from admin.orders import export
from models import Attachment, Order, db
from models import storage as storage_module
from models.storage import open_storage
from tests.conftest import build_app
from tests.factories import make_order
from tests.functional.test_csv_export_job import direct_export, download, make_orders, started_job
from tests.s3_server import make_bucket, s3_client, s3_server

PREFIX = "orderdesk"
# A text file of many lines, larger than the blocks a download is read in below.
TEXT = b"".join(b"line %06d of the delivery notes\n" % i for i in range(4_000))


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's standalone server, an S3 stand-in, for this module's tests."""
    with s3_server() as endpoint:
        yield endpoint


@pytest.fixture
def bucket(s3_endpoint: str) -> str:
    return make_bucket(s3_endpoint)


@pytest.fixture
def app(clean_db: Engine, database_url: str, s3_endpoint: str, bucket: str) -> Iterator[Flask]:
    """The usual test app, its files in the bucket under PREFIX."""
    application = build_app(
        database_url, ORDERDESK_STORAGE=f"s3://{bucket}/{PREFIX}", ORDERDESK_S3_ENDPOINT_URL=s3_endpoint
    )
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def order(catalog: dict[str, Any], users: dict[str, Any]) -> Order:
    made = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    return made


def objects(endpoint: str, bucket: str) -> dict[str, bytes]:
    """Every object of the bucket with its bytes, read without OrderDesk's code."""
    client = s3_client(endpoint)
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}


def upload(client: Any, order: Order, data: bytes, name: str) -> Any:
    return client.post(
        f"/admin/orders/activities/attachment/?id={order.id}",
        data={"file": (BytesIO(data), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def download_attachment(client: Any, attachment: Attachment) -> bytes:
    with client.get(f"/admin/orders/activities/attachment/download/?attachment={attachment.id}") as response:
        assert response.status_code == 200, response.status_code
        return bytes(response.get_data())


def test_an_attachment_uploaded_to_s3_downloads_byte_for_byte_and_goes_once_its_order_is_deleted(
    login_as, order, s3_endpoint, bucket, monkeypatch
):
    # Given a text file attached through the panel, the app's storage on S3
    sales = login_as("sales")
    assert "The file was attached." in upload(sales, order, TEXT, "notes.txt").get_data(as_text=True)
    attachment = db.session.scalars(select(Attachment)).one()

    # Then it is an object of the bucket under the prefix, and downloads byte for byte (read
    # from the store in many small blocks)
    assert objects(s3_endpoint, bucket) == {f"{PREFIX}/{attachment.stored_name}": TEXT}
    monkeypatch.setattr(storage_module, "STREAM_BLOCK", 50_000)
    assert download_attachment(sales, attachment) == TEXT

    # When a sales user's delete of the order is refused, the object stays
    sales.post("/admin/orders/delete/", data={"id": str(order.id)})
    assert db.session.get(Order, order.id) is not None and objects(s3_endpoint, bucket)
    sales.post("/logout")

    # When a manager deletes the order, the object is gone with it
    response = login_as("manager").post("/admin/orders/delete/", data={"id": str(order.id)})
    assert response.status_code == 302
    assert db.session.get(Order, order.id) is None
    assert objects(s3_endpoint, bucket) == {}


def test_a_long_export_on_s3_is_written_in_parts_and_downloads_as_the_direct_export(
    login_as, catalog, users, s3_endpoint, bucket, monkeypatch
):
    # Given five orders exported as a job of three chunks, the storage on S3
    monkeypatch.setattr(export, "DIRECT_EXPORT_LIMIT", 3)
    monkeypatch.setattr(export_file, "EXPORT_CHUNK", 2)
    make_orders(catalog, users, 5)
    client = login_as("viewer")

    # When the grid is exported
    job = started_job(client, "")

    # Then its parts are objects of the bucket, and the download joins them into the bytes
    # of the direct export
    keys = sorted(objects(s3_endpoint, bucket))
    assert keys == [f"{PREFIX}/jobs/{job.id}/{start:010d}.csv" for start in (0, 2, 4)]
    response = download(client, job.id)
    assert response.status_code == 200
    assert response.get_data() == direct_export(client, "", monkeypatch)


def test_moving_a_local_instances_files_copies_them_to_the_bucket_and_the_panel_serves_them_from_s3(
    app, login_as, order, users, s3_endpoint, bucket, database_url, tmp_path
):
    # Given an instance whose attachment and export part are in its local upload folder
    folder = tmp_path / "uploads"
    local = open_storage(str(folder))
    attachment = add_attachment(
        db.session, order, filename="po.txt", data=TEXT, comment=None, actor=users["sales"], storage=local
    )
    db.session.commit()
    local.write("jobs/9/0000000000.csv", b"Order\r\n")
    local_app = build_app(
        database_url, ORDERDESK_UPLOAD_DIR=str(folder), ORDERDESK_S3_ENDPOINT_URL=s3_endpoint
    )
    target = f"s3://{bucket}/{PREFIX}"

    # When its files are moved to the bucket, twice (a second run finds them there)
    first = local_app.test_cli_runner().invoke(args=["move-attachments", "--to", target])
    again = local_app.test_cli_runner().invoke(args=["move-attachments", "--to", target])

    # Then each file is in the bucket once, the local ones are kept, and the user is told
    # what to set next
    assert first.exit_code == 0, first.output
    assert f"Copied 2 files from {folder} to {target} (0 already there)." in first.output
    assert f"Now set ORDERDESK_STORAGE={target}" in first.output
    assert again.exit_code == 0, again.output
    assert "Copied 0 files" in again.output and "(2 already there)" in again.output
    assert objects(s3_endpoint, bucket) == {
        f"{PREFIX}/{attachment.stored_name}": TEXT,
        f"{PREFIX}/jobs/9/0000000000.csv": b"Order\r\n",
    }
    assert local.sizes() == {attachment.stored_name: len(TEXT), "jobs/9/0000000000.csv": 7}
    # And the app set to the bucket serves the attachment from there
    assert download_attachment(login_as("sales"), attachment) == TEXT

    # When it is run with --delete-local, the local files go; the bucket keeps them
    moved = local_app.test_cli_runner().invoke(args=["move-attachments", "--to", target, "--delete-local"])
    assert moved.exit_code == 0 and "Removed 2 files from" in moved.output
    assert local.sizes() == {} and len(objects(s3_endpoint, bucket)) == 2


def test_moving_files_to_a_store_that_is_not_one_or_does_not_answer_is_refused_in_words(
    app, s3_endpoint, tmp_path
):
    # Given an instance with a file in its local folder
    open_storage(str(tmp_path)).write("a" * 32, b"x")
    runner = app.test_cli_runner()
    app.config.update(ORDERDESK_STORAGE=None, ORDERDESK_UPLOAD_DIR=str(tmp_path))

    # When it is moved to an FTP server, to a bucket that does not exist, or to its own folder
    ftp = runner.invoke(args=["move-attachments", "--to", "ftp://files.example/x"])
    missing = runner.invoke(args=["move-attachments", "--to", "s3://no-such-bucket-here/x"])
    same = runner.invoke(args=["move-attachments", "--to", str(tmp_path)])

    # Then each is refused with what to do, and the file stays where it is
    assert ftp.exit_code == 2 and "is neither a folder nor s3://bucket/prefix" in ftp.output
    assert missing.exit_code == 1
    assert "s3://no-such-bucket-here/x does not answer: check the bucket" in missing.output
    assert same.exit_code == 2 and "is where the files are already" in same.output
    assert open_storage(str(tmp_path)).sizes() == {"a" * 32: 1}


def test_the_storage_pings_its_bucket_and_a_missing_bucket_does_not_answer(s3_endpoint, bucket):
    assert open_storage(f"s3://{bucket}/{PREFIX}", endpoint_url=s3_endpoint).ping() is True
    assert open_storage("s3://no-such-bucket-here", endpoint_url=s3_endpoint).ping() is False


def test_a_storage_setting_that_is_not_a_folder_or_s3_stops_the_app_at_startup(
    clean_db, database_url, monkeypatch
):
    monkeypatch.setenv("ORDERDESK_STORAGE", "ftp://files.example/orderdesk")

    with pytest.raises(RuntimeError) as refused:
        build_app(database_url)

    assert str(refused.value) == (
        "ORDERDESK_STORAGE: 'ftp://files.example/orderdesk' is neither a folder nor "
        "s3://bucket/prefix. See README: Configuration."
    )


def test_an_uploaded_file_never_lands_in_the_local_folder_when_the_storage_is_s3(
    app, login_as, order, s3_endpoint, bucket
):
    folder = Path(app.config["ORDERDESK_UPLOAD_DIR"])
    before = set(folder.iterdir()) if folder.exists() else set()

    upload(login_as("sales"), order, TEXT, "notes.txt")

    assert (set(folder.iterdir()) if folder.exists() else set()) == before
    assert len(objects(s3_endpoint, bucket)) == 1


def test_healthz_asks_the_bucket_and_answers_503_storage_when_it_is_gone(app, s3_endpoint, bucket):
    client = app.test_client()
    healthy = client.get("/healthz")
    assert (healthy.status_code, healthy.get_data(as_text=True)) == (200, "ok")

    # When the bucket is removed from the store (the S3 stand-in)
    s3 = s3_client(s3_endpoint)
    for key in objects(s3_endpoint, bucket):
        s3.delete_object(Bucket=bucket, Key=key)
    s3.delete_bucket(Bucket=bucket)

    # Then the health check says the storage does not answer
    response = client.get("/healthz")
    assert (response.status_code, response.get_data(as_text=True)) == (503, "storage")
