from pathlib import Path

import pytest

from altresponse.fsio import atomic_path, write_json_atomic


def test_failed_write_keeps_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("crash mid-write")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"], "temporary file left behind"


def test_successful_write_replaces(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.json"
    write_json_atomic(target, {"b": 1, "a": 2})
    assert target.read_text() == '{\n  "a": 2,\n  "b": 1\n}\n'


def test_written_file_has_normal_permissions(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    write_json_atomic(target, {})
    assert target.stat().st_mode & 0o044 == 0o044, "readers other than the owner must be able to open it"
