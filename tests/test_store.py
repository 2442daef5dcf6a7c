"""grader.batch.store: one committed row per (student, exercise), resume checks."""

import sqlite3

import pytest

from grader.batch.store import FILENAME, Store, StoreError

KEY = dict(content_hash="h1", grader_version="0.1.0", seed=7)


def _result(score):
    return {"exercise": "exercise1", "score": score, "max_score": 10.0, "functions": []}


def test_put_replaces_and_never_duplicates(tmp_path):
    with Store(tmp_path) as store:
        store.put("alice", "exercise1", result=_result(3), report_md="first", **KEY)
        store.put("alice", "exercise1", result=_result(10), report_md="second", **KEY)
        store.put("alice", "exercise2", result=_result(1), report_md="x", **KEY)
        assert store.count() == 2
    with Store(tmp_path) as store:   # committed: visible after reopening
        rows = store.rows()
    assert [(r.student, r.exercise, r.score, r.report_md) for r in rows] == [
        ("alice", "exercise1", 10.0, "second"), ("alice", "exercise2", 1.0, "x")]
    assert rows[0].result["score"] == 10


@pytest.mark.parametrize("change", [{"content_hash": "h2"}, {"grader_version": "0.2.0"}, {"seed": 8}])
def test_is_current_needs_same_content_version_and_seed(tmp_path, change):
    with Store(tmp_path) as store:
        store.put("bob", "exercise1", result=_result(5), report_md="", **KEY)
        assert store.is_current("bob", "exercise1", **KEY)
        assert not store.is_current("bob", "exercise1", **{**KEY, **change})
        assert not store.is_current("bob", "exercise2", **KEY)


def test_error_rows_are_not_current(tmp_path):
    with Store(tmp_path) as store:
        store.put("bob", "exercise1", result=_result(0), report_md="", status="error", **KEY)
        assert not store.is_current("bob", "exercise1", **KEY)


def test_rows_visible_to_another_connection_at_once(tmp_path):
    with Store(tmp_path) as store:
        store.put("zoe", "exercise3", result=_result(2), report_md="", **KEY)
        other = sqlite3.connect(tmp_path / FILENAME)
        assert other.execute("SELECT COUNT(*) FROM results").fetchone()[0] == 1
        other.close()


def test_not_a_store_is_a_clear_error(tmp_path):
    (tmp_path / FILENAME).write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a results store"):
        Store(tmp_path)
