"""grader.batch.archive: safe reading of folders, zips (slip, links, bombs) and notebooks."""

import io
import os
import stat
import zipfile

import pytest

from grader.batch import archive
from grader.batch.archive import Caps, read_class, read_student_zip

FUNCTIONS = {"exercise1": ["conv_output_size", "same_padding", "conv_param_count"],
             "exercise2": ["conv_forward", "conv1x1_forward"]}
EX1 = b"def conv_output_size(n, f, stride=1, padding=0):\n    return (n - f + 2 * padding) // stride + 1\n"


def _zip(members: dict, symlinks=()) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        for name, target in symlinks:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return buf.getvalue()


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    """A 1 GiB-when-unpacked zip (about 1 MB packed) whose member is an exercise file."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("exercise2.py", "w", force_zip64=True) as f:
            chunk = b"\0" * (16 << 20)
            for _ in range(64):
                f.write(chunk)
    return path


def _snapshot(folder):
    return sorted(str(p) for p in folder.rglob("*"))


@pytest.mark.parametrize("members, symlinks, message", [
    ({"../../evil.py": b"x", "exercise1.py": EX1}, (), "zip slip"),
    ({"/etc/cron.d/evil": b"x"}, (), "zip slip"),
    ({"sub\\..\\..\\evil.py": b"x"}, (), "zip slip"),
    ({"C:/evil.py": b"x"}, (), "zip slip"),
    ({"exercise1.py": EX1}, [("exercise2.py", "/etc/passwd")], "symbolic link"),
])
def test_hostile_zip_members_refuse_the_archive(tmp_path, members, symlinks, message):
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "mallory.zip").write_bytes(_zip(members, symlinks))
    before = _snapshot(tmp_path)
    subs, problems = read_class(tmp_path / "class", FUNCTIONS)
    assert [s.student for s in subs] == ["mallory"] and subs[0].files == {}
    assert len(problems) == 1 and message in problems[0].message
    assert "mallory.zip" in str(problems[0]) and "\n" not in str(problems[0])
    assert _snapshot(tmp_path) == before            # nothing unpacked anywhere
    assert not os.path.exists("/etc/cron.d/evil")


def test_zip_bomb_is_refused(tmp_path, bomb):
    problems = []
    sub = read_student_zip(bomb, "bomber", str(bomb), FUNCTIONS, problems)
    assert sub.files == {}
    assert "zip bomb" in problems[0].message and "1024 MB" in problems[0].message


def test_a_member_that_unpacks_past_the_file_cap_is_refused(tmp_path):
    data = _zip({"exercise1.py": b"#" * 5000})
    problems = []
    sub = read_student_zip(data, "s", "s.zip", FUNCTIONS, problems, Caps(file_bytes=1000))
    assert sub.files == {} and "more than" in problems[0].message


def test_too_many_members_are_refused():
    data = _zip({f"f{i}.txt": b"" for i in range(30)})
    problems = []
    read_student_zip(data, "s", "s.zip", FUNCTIONS, problems, Caps(student_files=10))
    assert "30 members" in problems[0].message


def test_corrupt_zip_is_one_problem(tmp_path):
    (tmp_path / "bad.zip").write_bytes(b"PK\x03\x04garbage")
    subs, problems = read_class(tmp_path, FUNCTIONS)
    assert subs[0].student == "bad" and "not a valid zip file" in problems[0].message


def test_folder_links_are_not_followed(tmp_path):
    cls = tmp_path / "class"
    (cls / "eve").mkdir(parents=True)
    (cls / "eve" / "exercise1.py").symlink_to("/etc/passwd")
    (cls / "eve" / "deep").symlink_to("/etc", target_is_directory=True)
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "exercise2.py").write_bytes(EX1)
    (cls / "linked_student").symlink_to(tmp_path / "secret", target_is_directory=True)
    subs, problems = read_class(cls, FUNCTIONS)
    assert {s.student: s.files for s in subs} == {"eve": {}}
    messages = sorted(str(p) for p in problems)
    assert any("eve/exercise1.py: is a symbolic link" in m for m in messages)
    assert any("linked_student: is a symbolic link" in m for m in messages)


def test_nested_folders_and_shallowest_file_wins(tmp_path):
    cls = tmp_path / "class"
    (cls / "kim" / "Kim_123_assignsubmission_file_" / "old").mkdir(parents=True)
    (cls / "kim" / "Kim_123_assignsubmission_file_" / "exercise1.py").write_bytes(EX1)
    (cls / "kim" / "Kim_123_assignsubmission_file_" / "old" / "exercise1.py").write_bytes(b"old = 1\n")
    (cls / "kim" / "__MACOSX").mkdir()
    (cls / "kim" / "__MACOSX" / "exercise2.py").write_bytes(b"junk")
    subs, problems = read_class(cls, FUNCTIONS)
    assert subs[0].files == {"exercise1.py": EX1} and problems == []


def test_class_zip_with_folders_nested_zips_and_a_common_top(tmp_path):
    inner = _zip({"bob/exercise1.py": EX1})
    data = _zip({"2026-class/alice/exercise1.py": EX1, "2026-class/alice/notes.txt": b"hi",
                 "2026-class/bob.zip": inner, "2026-class/carol.zip": _zip({"../x.py": b""})})
    (tmp_path / "class.zip").write_bytes(data)
    subs, problems = read_class(tmp_path / "class.zip", FUNCTIONS)
    assert {s.student: sorted(s.files) for s in subs} == {"alice": ["exercise1.py"], "bob": ["exercise1.py"],
                                                          "carol": []}
    assert len(problems) == 1 and problems[0].student == "carol" and "zip slip" in problems[0].message


def test_content_hash_follows_the_graded_files(tmp_path):
    a = archive.Submission("a", "a", {"exercise1.py": EX1})
    b = archive.Submission("b", "b", {"exercise1.py": EX1})
    c = archive.Submission("c", "c", {"exercise1.py": EX1 + b"\n"})
    assert a.content_hash == b.content_hash != c.content_hash


def test_missing_class_is_an_error(tmp_path):
    with pytest.raises(archive.ArchiveError, match="no such folder or zip file"):
        read_class(tmp_path / "nope", FUNCTIONS)


def test_notebook_keeps_definitions_only():
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import numpy as np\n%matplotlib inline\n!rm -rf /\nEPS = 1e-8"),
        nbformat.v4.new_code_cell("%%time\nos.system('echo pwned')"),
        nbformat.v4.new_code_cell("@staticmethod\ndef conv_forward(x, w, b, stride=1, padding=0):\n    return x\n"
                                  "print(conv_forward(1, 2, 3))\nresult = conv_forward(1, 2, 3)"),
        nbformat.v4.new_code_cell("def broken(:\n"),
        nbformat.v4.new_markdown_cell("def not_code(): pass"),
    ]
    source, notes = archive.notebook_source(nbformat.writes(nb).encode(), "hw.ipynb")
    assert "import numpy as np" in source and "EPS = 1e-8" in source
    assert "@staticmethod\n    def conv_forward" in source      # each kept statement in its own try
    for banned in ("print(", "os.system", "rm -rf", "result =", "not_code", "%matplotlib"):
        assert banned not in source
    assert any("code cell 4 skipped" in n for n in notes)
    assert any("3 top-level statement(s)" in n for n in notes)   # the body of %%time runs in Jupyter
    compile(source, "hw.py", "exec")


@pytest.mark.parametrize("data, message", [(b"{ not json", "not a valid notebook"),
                                           (b"\xff\xfe", "not UTF-8"),
                                           (b'{"cells": 3}', "not a valid notebook")])
def test_bad_notebooks_are_one_line_problems(tmp_path, data, message):
    pytest.importorskip("nbformat")
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "work.ipynb").write_bytes(data)
    subs, problems = read_class(tmp_path, FUNCTIONS)
    assert subs[0].files == {} and message in problems[0].message
    assert "work.ipynb" in problems[0].path and "\n" not in str(problems[0])


def test_notebook_feeds_every_exercise_it_defines_and_py_files_win(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(EX1.decode() + "\ndef conv_forward(x, w, b, stride=1, padding=0):\n    pass\n")]
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "all.ipynb").write_text(nbformat.writes(nb))
    (tmp_path / "s" / "exercise1.py").write_bytes(b"# mine\n")
    subs, _ = read_class(tmp_path, FUNCTIONS)
    assert subs[0].files["exercise1.py"] == b"# mine\n"
    assert b"def conv_forward" in subs[0].files["exercise2.py"]


def test_duplicate_student_is_reported(tmp_path):
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "exercise1.py").write_bytes(EX1)
    (tmp_path / "alice.zip").write_bytes(_zip({"exercise1.py": b"other = 1\n"}))
    subs, problems = read_class(tmp_path, FUNCTIONS)
    assert subs[0].files == {"exercise1.py": EX1}
    assert "a second submission" in problems[0].message
