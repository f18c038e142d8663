"""The storage object on a local folder: files by key, streamed reads, a root that nothing
escapes, a cheap ping, URLs it refuses, and copying one store's files into another."""

from __future__ import annotations

import pytest

from models.storage import checked_key, open_storage
from models.storage_copy import copy_files


def test_a_file_written_under_a_key_is_read_back_and_streamed_from_the_folder(tmp_path):
    # Given a storage on a folder that does not exist yet
    storage = open_storage(str(tmp_path / "files"))

    # When a file is written under a nested key
    storage.write("jobs/7/0000000000.csv", b"a,b\r\n1,2\r\n")

    # Then it is in the folder under that name, and reads back whole or a block at a time
    assert (tmp_path / "files" / "jobs" / "7" / "0000000000.csv").read_bytes() == b"a,b\r\n1,2\r\n"
    assert storage.read("jobs/7/0000000000.csv") == b"a,b\r\n1,2\r\n"
    with storage.open("jobs/7/0000000000.csv") as file:
        assert file.read(4) == b"a,b\r" and file.read() == b"\n1,2\r\n"
    assert storage.exists("jobs/7/0000000000.csv") and storage.size("jobs/7/0000000000.csv") == 10


def test_files_are_listed_with_their_sizes_under_a_prefix(storage):
    storage.write("a" * 32, b"12345")
    storage.write("jobs/3/0000000000.csv", b"xy")
    storage.write("jobs/30/0000000000.csv", b"xyz")

    assert storage.sizes() == {"a" * 32: 5, "jobs/3/0000000000.csv": 2, "jobs/30/0000000000.csv": 3}
    assert storage.sizes("jobs/3/") == {"jobs/3/0000000000.csv": 2}
    assert storage.sizes("jobs/4/") == {}


def test_files_are_joined_into_one_stream_in_the_order_given(storage):
    storage.write("p/2", b"second ")
    storage.write("p/1", b"first ")
    storage.write("p/3", b"")
    storage.write("p/4", b"last")

    with storage.open_joined(["p/1", "p/2", "p/3", "p/4"]) as joined:
        assert joined.read() == b"first second last"


def test_a_missing_file_is_reported_and_deleting_it_again_is_fine(storage):
    storage.write("gone", b"x")
    storage.delete("gone")

    assert not storage.exists("gone")
    with pytest.raises(FileNotFoundError):
        storage.read("gone")
    with pytest.raises(FileNotFoundError):
        storage.open("gone")
    storage.delete("gone")


@pytest.mark.parametrize("key", ["", "/etc/passwd", "../outside", "a/../../b", "a//b", "a\\..\\b", "./a"])
def test_a_key_that_could_leave_the_root_is_refused(storage, tmp_path, key):
    with pytest.raises(ValueError, match="is not a storage key"):
        storage.write(key, b"x")
    with pytest.raises(ValueError):
        checked_key(key)
    assert list(tmp_path.iterdir()) == []


def test_a_folder_answers_the_ping_once_made_and_a_file_in_its_place_does_not(tmp_path):
    # Given a folder not made yet, and a path that is a file
    (tmp_path / "a-file").write_bytes(b"")

    # Then the first answers (it is made: a fresh install has no folder yet), the second not
    assert open_storage(str(tmp_path / "new")).ping() and (tmp_path / "new").is_dir()
    assert open_storage(str(tmp_path / "a-file")).ping() is False


def test_a_file_url_names_the_same_folder_as_its_path(tmp_path):
    open_storage(f"file://{tmp_path}").write("k", b"1")

    assert open_storage(str(tmp_path)).read("k") == b"1"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://x", "'ftp://x' is neither a folder nor s3://bucket/prefix"),
        ("https://bucket.example/prefix", "neither a folder nor s3://bucket/prefix"),
        ("   ", "neither a folder nor s3://bucket/prefix"),
        ("s3://", "names no bucket: write s3://bucket/prefix"),
        ("s3://key:secret@bucket/p", "'s3://…' names no bucket"),
    ],
)
def test_an_url_that_is_neither_a_folder_nor_an_s3_prefix_is_refused_in_words(url, message):
    with pytest.raises(ValueError, match=message) as refused:
        open_storage(url)
    assert "secret" not in str(refused.value)


def test_copying_copies_what_the_target_lacks_checks_it_and_skips_it_the_next_time(tmp_path):
    # Given a source with three files, one of them already in the target, one there cut short
    source, target = open_storage(str(tmp_path / "from")), open_storage(str(tmp_path / "to"))
    for key, data in (("a", b"aaa"), ("b", b"bbbb"), ("jobs/1/0000000000.csv", b"csv")):
        source.write(key, data)
    target.write("a", b"aaa")
    target.write("b", b"bb")

    # When they are copied, then copied again
    first = copy_files(source, target)
    second = copy_files(source, target)

    # Then the first copy brings what was missing or short, the second finds everything there
    assert (first.copied, first.already_there, first.deleted) == (2, 1, 0)
    assert (second.copied, second.already_there) == (0, 3)
    assert target.sizes() == source.sizes() == {"a": 3, "b": 4, "jobs/1/0000000000.csv": 3}
    assert target.read("b") == b"bbbb"


def test_copying_with_delete_source_empties_the_source_once_the_target_holds_each_file(tmp_path):
    source, target = open_storage(str(tmp_path / "from")), open_storage(str(tmp_path / "to"))
    source.write("a", b"aaa")
    source.write("jobs/1/0000000000.csv", b"csv")

    report = copy_files(source, target, delete_source=True)

    assert (report.copied, report.deleted) == (2, 2)
    assert source.sizes() == {} and target.read("jobs/1/0000000000.csv") == b"csv"
