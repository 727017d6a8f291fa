"""The benchmark's results files: each kind of run keeps its own, so running one kind
never overwrites the figures of another."""

import json

import pytest

from bench import report


@pytest.mark.parametrize(
    "two_servers, staffing, name",
    [
        (False, None, "latest.json"),
        (True, None, "latest-two-servers.json"),
        (False, (5, 2), "latest-5-practitioners-2-rooms.json"),
        (False, (3, 0), "latest-3-practitioners-0-rooms.json"),
    ],
)
def test_each_kind_of_run_writes_its_own_results_file(
    tmp_path, monkeypatch, two_servers, staffing, name
):
    monkeypatch.setattr(report, "RESULTS", tmp_path)
    path = report.write({"pages": []}, "", two_servers, staffing)
    assert path == tmp_path / name
    assert json.loads(path.read_text()) == {"pages": []}
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_a_file_named_on_the_command_line_wins(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "RESULTS", tmp_path / "unused")
    path = report.write({"pages": [1]}, str(tmp_path / "mine.json"), False, (5, 2))
    assert path == tmp_path / "mine.json" and json.loads(path.read_text()) == {"pages": [1]}
