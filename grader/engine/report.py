"""Every word a person reads: findings as sentences, inputs, arrays, and whole reports."""
from __future__ import annotations

import json
import re

import numpy as np

from grader import expected as catalog   # functions, case labels, misconceptions (content or bank)
from grader import korean
from grader.korean import kformat
from grader.engine.notebook import explain as explain_skipped, source_lines
from grader.engine.results import ExerciseResult, FunctionResult

SMALL_ARRAY = 64   # arrays with at most this many elements are printed whole

MESSAGES = {
    "en": {
        "missing": "{function} is not defined (or not a function) in {module}.py.",
        "timeout": "{function} did not finish: it {detail} (time limit) and was stopped.",
        "died": "The process running {function} {detail} (crash, os._exit or sys.exit, or a memory/process limit).",
        "no_value_error": "{function} raised no ValueError for {case} ({reason}); it returned a value.",
        "wrong_exception": "{function} should raise ValueError here ({reason}), but raised {type}: {message}",
        "raised": "{function} raised {type}: {message}",
        "memory": "{function} ran out of memory (memory limit): {message}",
        "not_int": "{function} returned {value!r} of type {type}; return an int (use // for integer division).",
        "int_value": "{function} returned {got}, expected {expected}.",
        "not_array": "{function} returned a {type}; return a numpy.ndarray.",
        "bad_dtype": "{function} returned an array of dtype {dtype}; return numbers (float64).",
        "too_large": "{function} returned an array of shape {shape} that is far too large.",
        "shape": "{function} returned shape {got}, expected {expected}.",
        "dtype_float64": "{function} returned dtype {got} for float64 input; it must be float64.",
        "dtype_int_input": "{function} returned dtype {got} for integer input; it must be floating point "
                           "(an output buffer made with zeros_like(x) or dtype=x.dtype truncates).",
        "nonfinite": "{function} returned {got} at index {index}, where the expected value is finite.",
        "values": "{function} returned wrong values: {count} of {total} elements differ; the first at index "
                  "{index}: expected {expected:.6g}, got {got:.6g} (largest error {max_error:.3g}).",
        "modified_input": "{function} modified its input array {name}; work on a copy instead.",
        "warning": "{function} emitted a RuntimeWarning ({message}); make it numerically stable.",
        "load": "{module}.py could not be imported: {message}",
        "not_tuple": "{function} returned a {type}; return a tuple of {count} arrays ({names}).",
        "tuple_length": "{function} returned a tuple of {length} values; return a tuple of {count} arrays ({names}).",
        "dtype_exact": "{function} returned dtype {got}; it only rearranges its input, so keep the input's dtype "
                       "{expected} (or return float64).",
        "item": "In {output} (index {item} of the returned tuple): {message}",
        "defaults": "This call left out {names}: the contract's defaults are {defaults}.",
        "not_implemented": "not implemented yet",
        "others": "Also failing ({n} more; --all shows each in full):",
    },
    "ko": {
        "missing": "{module}.py에 {function} 함수가 정의되어 있지 않습니다.",
        "timeout": "{function:@이/가} 시간 제한{detail} 안에 끝나지 않아 실행을 중단했습니다. "
                   "무한 루프가 없는지 확인하세요.",
        "died": "{function:@을/를} 실행하던 프로세스가 {detail} 끝났습니다. 프로그램 오류, os._exit()·sys.exit() 호출, "
                "메모리·프로세스 제한 초과일 수 있습니다.",
        "no_value_error": "{function:@은/는} 이 입력({case})에서 ValueError를 발생시켜야 하는데 값을 반환했습니다."
                          "{reason}",
        "wrong_exception": "{function:@은/는} 이 입력에서 ValueError를 발생시켜야 하는데 {type:@이/가} "
                           "발생했습니다: {message}.{reason}",
        "raised": "{function}에서 {type} 예외가 발생했습니다: {message}",
        "memory": "{function:@이/가} 메모리 제한을 넘었습니다: {message}",
        "not_int": "{function:@이/가} {type} 타입의 값 {value!r:@을/를} 반환했습니다. int를 반환하세요"
                   "(정수 나눗셈은 // 사용).",
        "int_value": "{function:@이/가} {got:@을/를} 반환했습니다. 정답은 {expected}입니다.",
        "not_array": "{function:@이/가} {type:@을/를} 반환했습니다. numpy.ndarray를 반환하세요.",
        "bad_dtype": "{function:@이/가} dtype이 {dtype}인 배열을 반환했습니다. 숫자 배열(float64)을 반환하세요.",
        "too_large": "{function:@이/가} shape가 {shape}인, 지나치게 큰 배열을 반환했습니다.",
        "shape": "{function}의 출력 크기(shape)가 {got}입니다. 정답은 {expected}입니다.",
        "dtype_float64": "float64 입력인데 {function:@이/가} dtype {got:@을/를} 반환했습니다. float64여야 합니다.",
        "dtype_int_input": "정수 입력인데 {function:@이/가} dtype {got:@을/를} 반환했습니다. 실수형이어야 합니다"
                           "(zeros_like(x)나 dtype=x.dtype으로 만든 출력 버퍼는 소수점 아래를 버립니다).",
        "nonfinite": "{function:@이/가} 인덱스 {index}에서 {got:@을/를} 반환했습니다. 정답은 유한한 수입니다.",
        "values": "{function}의 값이 틀립니다. 원소 {total}개 중 {count}개가 다르고, 첫 번째는 인덱스 {index}입니다. "
                  "정답 {expected:.6g}, 반환값 {got:.6g}(최대 오차 {max_error:.3g}).",
        "modified_input": "{function:@이/가} 입력 배열 {name:@을/를} 직접 수정했습니다. {name:@은/는} 그대로 두고 "
                          "새 배열을 만들어 반환하세요.",
        "warning": "{function}에서 RuntimeWarning이 발생했습니다({message}). 수치적으로 안정적인 식으로 바꾸세요.",
        "load": "{module}.py를 불러올 수 없습니다: {message}",
        "not_tuple": "{function}의 반환값이 {type}입니다. 배열 {count}개로 된 tuple을 반환하세요({names}).",
        "tuple_length": "{function:@이/가} 반환한 tuple의 원소는 {length}개입니다. 배열 {count}개로 된 tuple을 "
                        "반환하세요({names}).",
        "dtype_exact": "{function}의 반환 dtype이 {got}입니다. 입력을 재배열하기만 하므로 입력의 dtype {expected:@을/를} "
                       "그대로 두세요(float64도 됩니다).",
        "item": "반환한 tuple의 {output}(인덱스 {item})에서: {message}",
        "defaults": "이 호출에서는 다음 인자를 생략했습니다: {names}. 함수 규약의 기본값은 {defaults}입니다.",
        "not_implemented": "아직 구현하지 않음",
        "others": "그 밖에 실패한 경우 {n}가지(--all로 모두 볼 수 있습니다):",
        # the words put into the sentences above (sandbox details are English data)
        "timeout_limit": "({limit}초)",
        "exit_code": "종료 코드 {code:@으로/로}",
        "signal": "시그널 {sig}({name}) 때문에",
        "ended": "예기치 않게",
        "reference_reason": " 정답 코드의 메시지: `{reason}`",
        "load_timeout": "불러오는(import) 데 {limit}초보다 오래 걸렸습니다",
        "load_died": "불러오는(import) 도중 프로세스가 끝났습니다",
        "no_message": "(메시지 없음)",
    },
}

WORDS = {
    "en": {"lecture": "lecture example", "edge": "edge case", "generated": "generated input",
           "shrunk": "smallest failing input", "input": "Input", "expected": "expected", "got": "got",
           "misconception": "Likely misconception", "hint": "Hint", "printed": "Your code printed",
           "depends": "{function} in {exercise} fails its own checks and this function uses it: "
                      "fix {function} in {exercise} first (euron-grade {exercise}).",
           "passed": "passed all {n} cases", "traceback": "Traceback (your code)",
           "score": "Score", "seed": "seed", "protections": "Isolation",
           "public": "Checked {run} of the {total} public cases of the case bank ({file}, seed {seed}). "
                     "Final grading adds generated inputs you have not seen.",
           "bank": "case bank {file} sha256 {sha}, seed {seed}; grader {grader}, numpy {numpy}",
           "provenance": "seed {seed}; grader {grader}, hypothesis {hypothesis}, numpy {numpy}",
           "counts": "({failed} failing, {todo} not implemented yet)"},
    "ko": {"lecture": "강의 예제", "edge": "엣지 케이스", "generated": "생성된 입력",
           "shrunk": "실패하는 가장 작은 입력", "input": "입력", "expected": "정답", "got": "반환값",
           "misconception": "추정되는 오개념", "hint": "힌트", "printed": "코드가 출력한 내용",
           "depends": "이 함수가 사용하는 {exercise}의 {function:@이/가} 자체 검사에서 실패합니다. "
                      "{exercise}의 {function:@을/를} 먼저 고치세요(euron-grade {exercise}).",
           "passed": "사례 {n}개 모두 통과", "traceback": "오류 추적(학생 코드)",
           "score": "점수", "seed": "시드", "protections": "격리",
           "public": "케이스 뱅크({file}, 시드 {seed})의 공개 사례 {total}개 중 {run}개를 확인했습니다. "
                     "최종 채점에서는 공개되지 않은 생성 입력도 검사합니다.",
           "bank": "케이스 뱅크 {file} sha256 {sha}, 시드 {seed}; 채점기 {grader}, numpy {numpy}",
           "provenance": "시드 {seed}; 채점기 {grader}, hypothesis {hypothesis}, numpy {numpy}",
           "counts": "(실패 {failed}개, 아직 구현하지 않음 {todo}개)"},
}


PROTECTIONS_KO = {
    "separate process": "별도 프로세스", "rlimits (time, memory, processes, file size)": "rlimits(시간, 메모리, 프로세스, 파일 크기)",
    "private working directory": "전용 작업 폴더", "reference solutions not importable": "정답 코드 import 불가",
    "scrubbed environment": "환경 변수 정리", "no new privileges": "권한 상승 금지", "seccomp filter": "seccomp 필터",
    "seccomp filter (no sockets but AF_UNIX)": "seccomp 필터(AF_UNIX 외 소켓 금지)",
    "no network (netns)": "네트워크 차단(netns)", "private tmp": "전용 /tmp",
    "solutions and other students hidden (mount ns)": "정답 코드와 다른 학생의 파일 숨김(mount ns)",
}
"""The sandbox's names of its protections (English data, stored with a result) in Korean."""


def protection_text(name: str, lang: str) -> str:
    if lang != "ko":
        return name
    m = re.fullmatch(r"unprivileged uid (\d+)", name)
    if m:
        return f"권한 없는 uid {m.group(1)}"
    return PROTECTIONS_KO.get(name, name)


def words(lang: str) -> dict:
    return korean.table(WORDS, lang)


#: The partial-credit split (``scoring: cases``): case groups and one group's line.
SPLIT_WORDS = {
    "en": {"lecture": "lecture examples", "edge": "edge cases", "generated": "generated inputs",
           "group": "{group}: {passed}/{cases} passed, {score}/{max_score} points"},
    "ko": {"lecture": "강의 예제", "edge": "경계 사례", "generated": "생성된 입력",
           "group": "{group}: {cases}개 중 {passed}개 통과, {score}/{max_score}점"},
}


def _pts(value: float) -> str:
    """2 -> '2', 2.4 -> '2.4', 2/3 -> '0.67' (a group's share, for reading)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def group_name(group: str, lang: str) -> str:
    return korean.table(SPLIT_WORDS, lang).get(group, group)


def group_line(entry: dict, lang: str) -> str:
    """One case group of a partial-credit split, in one line."""
    template = korean.message(SPLIT_WORDS, lang, "group")
    return template.format(group=group_name(entry["group"], lang), passed=entry["passed"], cases=entry["cases"],
                           score=_pts(entry["score"]), max_score=_pts(entry["max_score"]))


def split_lines(fr, lang: str) -> list[str]:
    """The partial-credit split of a function (``FunctionResult.groups``), one line per group;
    [] for a function scored all-or-nothing."""
    return [group_line(g, lang) for g in (getattr(fr, "groups", None) or [])]


def group_feedback(fr, exercise: str, group: str, lang: str) -> str:
    """What failed in one case group of a function: its failing case shown in full
    when it is that group's, else the other failing groups' lines of that group
    ("" when the group passed). Used where groups are shown apart (Gradescope
    tests of different visibility), so no group's feedback names another's cases."""
    from grader.engine.scoring import group_of
    failure = fr.failure
    if failure is None or getattr(fr, "not_implemented", False):
        return function_feedback(fr, exercise, _spec(exercise), lang) if failure is not None else ""
    lines = []
    if group_of(failure["case_kind"]) == group:
        lines += _case_lines(fr.name, failure, exercise, lang)
        if fr.misconception:
            lines.append(f"{words(lang)['misconception']}: {misconception_text(fr.misconception, lang)}")
    for other in failure.get("others") or []:
        if group_of(other["case_kind"]) == group:
            lines.append(_other_line(fr.name, other, exercise, lang) if lines
                         else "\n".join(_case_lines(fr.name, other, exercise, lang)))
    return "\n".join(lines)


def describe(code: str, params: dict, function: str, module: str, lang: str) -> str:
    """One finding as one sentence (stored params hold lists where the check had tuples).

    Templates are rendered with :func:`grader.korean.kformat`: ``{function:@이/가}``
    chooses the particle from the word. In Korean, the sandbox's English details
    (time limits, exit codes) are put into Korean words first."""
    template = korean.message(MESSAGES, lang, code) or MESSAGES["en"][code]
    values = {k: _param(v) for k, v in params.items() if k != "traceback"}
    if lang == "ko":
        values = _korean_values(code, values)
    sentence = None
    for attempt in (template, MESSAGES["en"].get(code, "")):
        try:
            sentence = kformat(attempt, function=function, module=module, **values)
            break
        except (KeyError, ValueError, IndexError, TypeError, OverflowError):
            values = {k: _param(v) for k, v in params.items() if k != "traceback"}   # the English details
            continue
    if sentence is None:
        sentence = f"{function}: {code} " + ", ".join(f"{k}={v!r}" for k, v in values.items())
    if "item" in params and "output" in params:      # one array of a returned tuple
        where = korean.message(MESSAGES, lang, "item")
        return kformat(where, output=params["output"], item=params["item"], message=sentence)
    return sentence


_TOOK = re.compile(r"took longer than ([\d.]+) ?s")
_EXIT = re.compile(r"exited with code (-?\d+)")
_SIGNAL = re.compile(r"(?:was )?killed by signal (\d+) \(([^)]*)\)")
SIGNAL_WORDS = {"segmentation fault": "세그멘테이션 오류", "killed": "강제 종료", "CPU time limit": "CPU 시간 제한",
                "aborted": "abort", "bus error": "버스 오류", "floating-point exception": "부동소수점 예외"}
"""Korean names of the signals the sandbox names (zygote.SIGNAL_NAMES); others keep their SIGXXX name."""


def korean_detail(code: str, detail) -> str:
    """The sandbox's English ``detail`` of a timeout or a crash as Korean words
    (``took longer than 5 s`` -> ``(5초)``, ``exited with code 3`` -> ``종료 코드 3으로``)."""
    _KO_WORDS = MESSAGES["ko"]
    detail = str(detail or "")
    if code == "timeout":
        m = _TOOK.search(detail)
        return _KO_WORDS["timeout_limit"].format(limit=m.group(1)) if m else ""
    m = _EXIT.search(detail)
    if m:
        return kformat(_KO_WORDS["exit_code"], code=int(m.group(1)))
    m = _SIGNAL.search(detail)
    if m:
        name = SIGNAL_WORDS.get(m.group(2), m.group(2))
        return _KO_WORDS["signal"].format(sig=m.group(1), name=name)
    return _KO_WORDS["ended"]


def _korean_values(code: str, values: dict) -> dict:
    values = dict(values)
    if code in ("timeout", "died"):
        values["detail"] = korean_detail(code, values.get("detail"))
    if code in ("wrong_exception", "raised", "memory", "warning") and "message" in values:
        message = str(values["message"]).strip()   # the student's (or NumPy's) own words, quoted
        values["message"] = f"`{message}`" if message else MESSAGES["ko"]["no_message"]
    if code in ("no_value_error", "wrong_exception"):
        reason = str(values.get("reason") or "").strip()
        values["reason"] = MESSAGES["ko"]["reference_reason"].format(reason=reason) if reason else ""
    return values


def _param(v):
    """A stored parameter back as the check made it (lists were tuples; JSON keeps
    non-finite floats as the strings "inf", "-inf", "nan")."""
    if isinstance(v, list):
        return tuple(v)
    if isinstance(v, str) and v in ("inf", "-inf", "nan"):
        return float(v)
    return v


def format_value(v) -> str:
    """A short description of one argument: shape and dtype for arrays, repr otherwise."""
    if isinstance(v, np.ndarray):
        return f"{tuple(v.shape)} {v.dtype}"
    return repr(v)


def format_inputs(args: dict) -> str:
    return ", ".join(f"{k} {format_value(v)}" if isinstance(v, np.ndarray) else f"{k}={v!r}"
                     for k, v in args.items())


def _num(v) -> str:
    """One cell of a grid: never raises (inf, NaN, huge and odd values included)."""
    try:
        if isinstance(v, (np.integer, int)):
            return str(int(v))
        f = float(v)
    except (TypeError, ValueError, OverflowError):
        return str(v)
    if not np.isfinite(f):
        return str(f)          # inf, -inf, nan
    if abs(f) < 1e12 and f == int(f):
        return str(int(f))
    return f"{f:.4g}"


def format_grid(a: np.ndarray, mark: np.ndarray | None = None) -> str:
    """A small array as the lecture draws it: one row per line, 2-D slices labelled.

    Cells where ``mark`` is true get a ``*``."""
    a = np.asarray(a)
    if a.ndim == 0:
        return _num(a)
    if a.size == 0:
        return f"(empty, shape {tuple(a.shape)})"
    if a.ndim == 1:
        a = a[None]
        mark = None if mark is None else np.asarray(mark)[None]
    lead = a.shape[:-2]
    cells = [_num(v) + ("*" if mark is not None and m else "") for v, m in
             zip(a.ravel(), (np.asarray(mark).ravel() if mark is not None else [False] * a.size))]
    width = max(len(c) for c in cells)
    cells = np.array([c.rjust(width) for c in cells]).reshape(a.shape)
    lines = []
    for index in np.ndindex(*lead):
        if lead:
            lines.append(f"[{', '.join(map(str, index))}, :, :]")
        for row in cells[index]:
            lines.append("  " + " ".join(row))
    return "\n".join(lines)


def format_args_whole(args: dict) -> str:
    """The inputs, small arrays printed whole."""
    parts = []
    for k, v in args.items():
        if isinstance(v, np.ndarray) and v.size <= SMALL_ARRAY:
            parts.append(f"{k} {format_value(v)}:\n{_indent(format_grid(v))}")
        else:
            parts.append(f"{k} = {format_value(v)}")
    return "\n".join(parts)


def _indent(text: str, by: str = "  ") -> str:
    return "\n".join(by + line for line in text.splitlines())


def comparison_grids(expected, got) -> tuple[str, str] | None:
    """Expected and got drawn whole when both are small arrays (got's differing
    cells marked *), else None: language-neutral, stored with a failure."""
    if not (isinstance(expected, np.ndarray) and isinstance(got, np.ndarray)):
        return None
    if expected.size > SMALL_ARRAY or got.size > SMALL_ARRAY:
        return None
    mark = None
    if expected.shape == got.shape:
        with np.errstate(all="ignore"):
            mark = ~np.isclose(got.astype(float), expected.astype(float), rtol=1e-5, atol=1e-6, equal_nan=True)
    return format_grid(expected), format_grid(got, mark)


# ----------------------------------------------------------------- reports ---

def _spec(exercise: str):
    """The exercise's spec (title, hints), or None when it is no longer known."""
    from grader.engine.spec import load_spec
    from grader.errors import GraderError
    try:
        return load_spec(exercise)
    except GraderError:
        return None


def _title(result: ExerciseResult, spec, lang: str) -> str:
    return spec.title(lang) if spec is not None else result.exercise


def load_text(result: ExerciseResult, spec, lang: str) -> str | None:
    """Why the submission could not be imported, as one message (None when it was)."""
    load = result.load
    if load is None:
        return None
    ko = lang == "ko"
    if load.get("kind") == "timeout":
        message = (MESSAGES["ko"]["load_timeout"].format(limit=f"{load.get('limit_s', 0):g}") if ko
                   else f"importing it took longer than {load.get('limit_s', 0):g} s")
    elif load.get("kind") == "died":
        message = MESSAGES["ko"]["load_died"] if ko else "the process ended while importing it"
    else:
        message = f"{load.get('type')}: {load.get('message')}"
        if load.get("traceback"):
            message += "\n" + load["traceback"]
    return describe("load", {"message": message}, "", result.exercise, lang)


def _case_lines(name: str, failure: dict, exercise: str, lang: str) -> list[str]:
    """One failing case in full: which case, its inputs, the first thing wrong, the
    arrays drawn, the student's frames, the cause of an exception, the defaults left out."""
    w = words(lang)
    kind = failure["case_kind"]
    label = _case_label(name, failure.get("case_label") or "", lang)
    kind_word = w["shrunk"] if kind == "shrunk" else w.get(kind, kind)
    head = f"[{kind_word}]" + (f" {label}" if label else "")
    code, params = failure["code"], failure.get("params") or {}
    lines = [head, f"{w['input']}: {failure['inputs']}"] if code != "missing" else []
    lines.append(describe(code, {**params, "case": label or kind_word}, name, exercise, lang))
    if failure.get("skipped"):
        lines.append(explain_skipped(failure["skipped"], lang))
    grids = failure.get("grids") or {}
    if grids.get("args"):
        lines.append(grids["args"])
    if grids.get("expected") is not None:
        lines.append(f"{w['expected']}:\n{_indent(grids['expected'])}\n{w['got']}:\n{_indent(grids['got'])}")
    if params.get("traceback"):
        lines.append(f"{w['traceback']}:\n{params['traceback']}")
    if failure.get("cause"):
        from grader.engine import causes
        lines.append(causes.sentence({"key": failure["cause"], "params": failure.get("cause_params")}, lang))
    defaults = failure.get("defaults")
    if defaults:
        lines.append(kformat(_message(lang, "defaults"),
            names=", ".join(defaults), defaults=", ".join(f"{k}={v!r}" for k, v in defaults.items())))
    return lines


def _case_label(function: str, label: str, lang: str) -> str:
    """A case's label in ``lang`` (generated cases are numbered: ``generated input 3`` -> ``생성된 입력 3``)."""
    m = re.fullmatch(r"generated input (\d+)", label)
    if m and lang == "ko":
        return f"{WORDS['ko']['generated']} {m.group(1)}"
    return catalog.case_label(function, label, lang)


def _message(lang: str, key: str) -> str:
    return korean.message(MESSAGES, lang, key) or MESSAGES["en"][key]


def _other_line(name: str, other: dict, exercise: str, lang: str) -> str:
    """Another failing case group in one line: which case, and the first thing wrong."""
    w = words(lang)
    kind = other["case_kind"]
    label = _case_label(name, other.get("case_label") or "", lang)
    kind_word = w["shrunk"] if kind == "shrunk" else w.get(kind, kind)
    what = describe(other["code"], {**(other.get("params") or {}), "case": label or kind_word}, name, exercise, lang)
    what = what.splitlines()[0] if what else ""
    if len(what) > 160:
        what = what[:157] + "..."
        if what.count("`") % 2:      # a quoted message cut short stays quoted
            what += "`"
    count = other.get("count", 1)
    many = f" x{count}" if kind == "generated" and count > 1 else ""
    return f"- [{kind_word}{many}]" + (f" {label}" if label else "") + f": {what}"


def function_feedback(fr: FunctionResult, exercise: str, spec, lang: str, show_all: bool = False) -> str:
    """The explanation of a failing function, in ``lang``: the case, its inputs,
    the first thing wrong, small arrays drawn whole, the cause or misconception,
    the dependency that fails, the hint, what the code printed, and the other
    failing case groups (one line each, or in full with ``show_all``)."""
    failure = fr.failure
    if failure is None:
        return ""
    w = words(lang)
    if getattr(fr, "not_implemented", False):
        from grader.engine import causes
        return causes.sentence({"key": "not_implemented", "params": {}}, lang)
    lines = _case_lines(fr.name, failure, exercise, lang)
    if fr.misconception:
        lines.append(f"{w['misconception']}: {misconception_text(fr.misconception, lang)}")
    if fr.depends_on_failing:
        dep_exercise, dep_function = fr.depends_on_failing.split(".", 1)
        lines.append(kformat(w["depends"], exercise=dep_exercise, function=dep_function))
    fspec = next((f for f in spec.functions if f.name == fr.name), None) if spec is not None else None
    hint = fspec.hint(lang) if fspec is not None else ""
    if hint:
        lines.append(f"{w['hint']}: {hint}")
    printed = failure.get("printed") or ""
    if printed.strip():
        lines.append(f"{w['printed']}:\n" + "\n".join("  " + ln for ln in printed.rstrip().splitlines()[:20]))
    others = failure.get("others") or []
    if others:
        lines.append(_message(lang, "others").format(n=len(others)))
        for other in others:
            if show_all:
                lines.append(_indent("\n".join(_case_lines(fr.name, other, exercise, lang))))
            else:
                lines.append("  " + _other_line(fr.name, other, exercise, lang))
    return "\n".join(lines)


def misconception_text(key: str | None, lang: str) -> str | None:
    """The sentence naming misconception ``key`` in ``lang``."""
    if key is None:
        return None
    found = catalog.misconception(key)
    if found is None:
        return key
    return found.ko if lang == "ko" else found.en


def _feedbacks(result: ExerciseResult, spec, lang: str, show_all: bool = False) -> list[str]:
    loaded = load_text(result, spec, lang)
    return [loaded if loaded is not None and fr.failure is None and not fr.passed
            else function_feedback(fr, result.exercise, spec, lang, show_all) for fr in result.functions]


def document(result: ExerciseResult, lang: str) -> dict:
    """The ``--json`` document: the result's data with its words rendered in ``lang``."""
    spec = _spec(result.exercise)
    functions = []
    for fr, feedback in zip(result.functions, _feedbacks(result, spec, lang)):
        functions.append({"name": fr.name, "passed": fr.passed, "score": fr.score, "max_score": fr.max_score,
                          "feedback": feedback, "misconception": fr.misconception,
                          "misconception_text": misconception_text(fr.misconception, lang),
                          "cases_passed": fr.cases_passed, "cases_run": fr.cases_run, "failure": fr.failure,
                          "depends_on_failing": fr.depends_on_failing,
                          "not_implemented": fr.not_implemented, "elapsed_s": fr.elapsed_s,
                          "groups": fr.groups})
    return {"exercise": result.exercise, "title": _title(result, spec, lang), "submission": result.submission,
            "score": result.score, "max_score": result.max_score, "seed": result.seed, "lang": lang,
            "functions": functions, "versions": result.versions, "protections": result.protections,
            "load_error": load_text(result, spec, lang), "load": result.load, "output": result.output,
            "source": result.source, "expected_from": result.expected_from,
            "public_checks": public_text(result, lang), "elapsed_s": result.elapsed_s}


def function_line(fr: FunctionResult, color: bool = False) -> str:
    mark = "PASS" if fr.passed else ("TODO" if getattr(fr, "not_implemented", False) else "FAIL")
    if color:
        mark = f"\x1b[32m{mark}\x1b[0m" if fr.passed else f"\x1b[31m{mark}\x1b[0m"
    return f"{mark}  {fr.name:<24} {fr.score:g}/{fr.max_score:g}"


def render_text(result: ExerciseResult, lang: str = "en", color: bool = False, show_all: bool = False) -> str:
    """The compact terminal report (``show_all``: every failing case group in full)."""
    w = words(lang)
    spec = _spec(result.exercise)
    todo = sum(bool(getattr(fr, "not_implemented", False)) for fr in result.functions)
    counts = (f"   {w['counts'].format(failed=sum(not fr.passed for fr in result.functions) - todo, todo=todo)}"
              if todo else "")
    lines = [f"{result.exercise} — {_title(result, spec, lang)}   {w['score']}: {result.score:g}/{result.max_score:g}"
             + counts]
    lines += source_lines(result.source, lang)
    for fr, feedback in zip(result.functions, _feedbacks(result, spec, lang, show_all)):
        lines.append(function_line(fr, color))
        lines += [f"      {line}" for line in split_lines(fr, lang)]
        if not fr.passed:
            lines.append(_indent(feedback, "      "))
    if result.output.strip():
        lines.append(f"{w['printed']} (import):\n{_indent(result.output.rstrip(), '      ')}")
    public = public_text(result, lang)
    if public:
        lines.append(public)
    lines.append(f"({_provenance(result, w)})")
    return "\n".join(lines)


def public_text(result: ExerciseResult, lang: str) -> str | None:
    """Graded against a case bank: how many public cases were checked, and that
    final grading adds unseen ones (None when graded against the reference)."""
    source = result.expected_from
    if not source or source.get("kind") != "bank":
        return None
    run = sum(fr.cases_run for fr in result.functions)
    return words(lang)["public"].format(run=run, total=source.get("public_cases", run),
                                        file=source.get("file"), seed=source.get("seed"))


def _provenance(result: ExerciseResult, w: dict) -> str:
    """'seed 20261129; grader 0.1.0, hypothesis 6.x, numpy 2.x': what reproduces the grading."""
    v = result.versions
    if result.expected_from and result.expected_from.get("kind") == "bank":
        s = result.expected_from
        return w["bank"].format(file=s.get("file"), sha=str(s.get("sha256"))[:12], seed=s.get("seed"),
                                grader=v.get("grader"), numpy=v.get("numpy"))
    return w["provenance"].format(seed=result.seed, grader=v.get("grader"), hypothesis=v.get("hypothesis"),
                                  numpy=v.get("numpy"))


def code_fence(text: str) -> str:
    """A Markdown backtick fence longer than any backtick run in ``text``."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def render_markdown(result: ExerciseResult, lang: str = "en", list_skipped: bool = True) -> str:
    """The same report as Markdown, for feedback files (``list_skipped`` false: what a
    notebook's loading skipped is listed elsewhere, once for all exercises)."""
    w = words(lang)
    spec = _spec(result.exercise)
    lines = [f"# {result.exercise} — {_title(result, spec, lang)}", "",
             f"**{w['score']}: {result.score:g} / {result.max_score:g}**", ""]
    source = source_lines(result.source, lang, list_skipped)
    if source:
        lines.append(source[0])
        if len(source) > 1:
            lines += ["", source[1], "", *[f"- {s.strip()}" for s in source[2:]]]
        lines.append("")
    for fr, feedback in zip(result.functions, _feedbacks(result, spec, lang)):
        icon = "✅" if fr.passed else "❌"
        lines.append(f"## {icon} `{fr.name}` — {fr.score:g}/{fr.max_score:g}")
        lines.append("")
        split = split_lines(fr, lang)
        if split:
            lines += [f"- {line}" for line in split] + [""]
        if fr.passed:
            lines.append(w["passed"].format(n=fr.cases_run))
        else:
            fence = code_fence(feedback)   # student output cannot close it
            lines += [fence, feedback, fence]
        lines.append("")
    public = public_text(result, lang)
    if public:
        lines += [public, ""]
    lines.append(f"{_provenance(result, w)}.  ")
    if result.protections:
        lines.append(f"{w['protections']}: {', '.join(protection_text(p, lang) for p in result.protections)}.")
    return "\n".join(lines) + "\n"


def jsonable(data):
    """``data`` with what strict JSON cannot hold made printable: non-finite floats
    become the strings "inf", "-inf" and "nan", tuples lists, NumPy scalars numbers."""
    if isinstance(data, dict):
        return {str(k): jsonable(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [jsonable(v) for v in data]
    if isinstance(data, (bool, np.bool_)):
        return bool(data)
    if isinstance(data, (int, np.integer)):
        return int(data)
    if isinstance(data, (float, np.floating)):
        f = float(data)
        return f if np.isfinite(f) else str(f)
    if data is None or isinstance(data, str):
        return data
    return str(data)


def render_json(result: ExerciseResult, lang: str = "en") -> str:
    return json.dumps(jsonable(document(result, lang)), ensure_ascii=False, indent=2, sort_keys=False,
                      allow_nan=False)
