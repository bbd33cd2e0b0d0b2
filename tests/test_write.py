"""The data-file writer: a forked process whose failure the build reports."""

from pathlib import Path

import pytest

from sitegen.write import BackgroundWriter, write_files


def test_files_are_written_under_site_dir_and_cache_entries_copied(tmp_path):
    entry = tmp_path / "cache-entry"
    entry.write_bytes(b"id,date\r\n")
    BackgroundWriter(lambda: {"data/a.csv": b"x", "data/big.csv": entry}, tmp_path / "site").finish()
    assert (tmp_path / "site/data/a.csv").read_bytes() == b"x"
    assert (tmp_path / "site/data/big.csv").read_bytes() == b"id,date\r\n"
    (tmp_path / "site/data/big.csv").write_bytes(b"edited")
    assert entry.read_bytes() == b"id,date\r\n", "editing the site never changes the cache"


def test_a_failing_writer_is_reported_not_ignored(tmp_path):
    def broken():
        raise OSError("disk full")

    writer = BackgroundWriter(broken, tmp_path / "site")
    with pytest.raises(RuntimeError, match="writing the data files failed"):
        writer.finish()


def test_nothing_is_written_outside_the_site(tmp_path):
    with pytest.raises(ValueError, match="outside"):
        write_files({"../escape.txt": b"x"}, tmp_path / "site")
    assert not Path(tmp_path / "escape.txt").exists()
