"""Why a student's function raised: known causes, matched on the exception and
the student's own frame.

``explain(error, case)`` looks at the exception data the sandbox sent (type,
message, and ``frame``: the innermost line of the student's code with the two
lines before it) and returns a cause as data, ``{"key": ..., "params": {...}}``,
or None.  ``report`` renders the cause's sentence (``CAUSES``) in English or
Korean, after the line it points at.  Nothing here runs student code.
"""
from __future__ import annotations

import re

from grader import korean
from grader.korean import kformat

# key -> (English, Korean).  {line} and {source} are always there (they may be
# empty); other fields come from ``explain``.  Korean: particles follow fixed
# words, or are chosen with kformat's {field:@pair} (grader.korean).
CAUSES: dict[str, tuple[str, str]] = {
    "not_implemented": (
        "Not implemented yet: the stub still raises NotImplementedError.",
        "아직 구현하지 않았습니다. 뼈대 코드의 NotImplementedError가 그대로 남아 있습니다.",
    ),
    "divisibility_check": (
        "Your code requires (H + 2P - HH) to be divisible by the stride, but the lecture's rule floors: "
        "H' = (H + 2P - HH) // S + 1, and the pixels left over are simply not covered. Drop that check.",
        "코드는 H + 2P - HH가 stride로 나누어떨어지는지 검사하지만, 강의의 규칙은 내림입니다. "
        "H' = (H + 2P - HH) // S + 1이고 남는 픽셀은 덮지 않을 뿐입니다. 이 검사를 지우세요.",
    ),
    "numpy2_removed": (
        "np.{name} was removed in NumPy 2; use {use} instead.",
        "NumPy 2에서 삭제된 이름 np.{name:@을/를} 썼습니다. 대신 {use:@을/를} 쓰세요.",
    ),
    "python2": (
        "{name} is Python 2; in Python 3 use {use}.",
        "Python 2의 이름 {name:@을/를} 썼습니다. Python 3에서는 {use:@을/를} 쓰세요.",
    ),
    "float_size": (
        "A float was used as a size or an index: in Python 3, / always gives a float, so "
        "(H - HH) / S + 1 is a float. Use integer division: (H + 2 * P - HH) // S + 1.",
        "실수를 크기나 인덱스로 썼습니다. Python 3에서 /의 결과는 항상 실수라서 (H - HH) / S + 1도 실수입니다. "
        "정수 나눗셈을 쓰세요: (H + 2 * P - HH) // S + 1.",
    ),
    "float_of_array": (
        "float() or int() was applied to an array with more than one element; keep the array "
        "(or index one element first).",
        "원소가 여러 개인 배열에 float()나 int()를 적용했습니다. 배열 그대로 쓰거나 원소 하나를 먼저 꺼내세요.",
    ),
    "truth_value": (
        "An array with several elements was used as a condition (if, and, or); compare element-wise "
        "with np.where, np.maximum or a mask.",
        "원소가 여러 개인 배열을 조건(if, and, or)으로 썼습니다. np.where, np.maximum이나 마스크로 원소별로 비교하세요.",
    ),
    "broadcast_layout": (
        "Two arrays' shapes do not fit ({detail}). Check the layouts: weights are laid out (out, in), "
        "filters first: w (F, C, HH, WW) in a convolution, w (F, C) in a 1x1 convolution, w1 (C_r, C) in the SE "
        "block (so x @ w.T); b is (F,) and is added as b[None, :, None, None]; a window "
        "x[n, :, i*S:i*S+HH, j*S:j*S+WW] is (C, HH, WW) and is cut short when the output size was rounded up.",
        "두 배열의 shape가 맞지 않습니다(`{detail}`). 배열의 축 순서를 확인하세요. 가중치는 (출력, 입력) 순서로 필터 축이 "
        "먼저입니다. convolution의 w는 (F, C, HH, WW), 1x1 convolution의 w는 (F, C), SE block의 w1은 (C_r, C)이므로 "
        "x @ w.T로 곱합니다. b는 (F,)이고 b[None, :, None, None]으로 더합니다. window "
        "x[n, :, i*S:i*S+HH, j*S:j*S+WW]는 (C, HH, WW)이며, 출력 크기를 올림하면 가장자리 window가 잘립니다.",
    ),
    "index_past_input": (
        "Index {index} is past the end of an axis of size {size}: a window start or an im2col row or column "
        "index went beyond the padded input. The last window starts at (H' - 1) * S, with "
        "H' = (H + 2P - HH) // S + 1.",
        "인덱스 {index:@이/가} 크기 {size}인 축의 끝을 넘었습니다. window 시작점이나 im2col의 행·열 인덱스가 "
        "padding된 입력 밖으로 나갔습니다. 마지막 window는 (H' - 1) * S에서 시작하고 H' = (H + 2P - HH) // S + 1입니다.",
    ),
    "signature": (
        "The call does not fit your function's parameters ({detail}); keep the contract's names and "
        "defaults, as the stub in `exercises/` has them.",
        "채점기의 호출이 함수의 매개변수와 맞지 않습니다(`{detail}`). `exercises/` 폴더의 뼈대 코드에 있는 그대로 "
        "함수 규약의 매개변수 이름과 기본값을 쓰세요.",
    ),
    "valid_rejected": (
        "Your check raised ValueError on a valid input ({message}); the contract accepts it.",
        "유효한 입력인데 코드의 검사가 ValueError를 발생시켰습니다(`{message}`). 함수 규약상 허용되는 입력입니다.",
    ),
    "assert_instead_of_valueerror": (
        "Invalid arguments must raise ValueError; an assert raises AssertionError (and is skipped under "
        "python -O). Write: if not ...: raise ValueError(\"...\").",
        "잘못된 인자에는 ValueError를 발생시켜야 합니다. assert는 AssertionError를 발생시키고 python -O에서는 "
        "건너뜁니다. if not ...: raise ValueError(\"...\") 형태로 쓰세요.",
    ),
    "assert_failed": (
        "Your assert failed on a valid input.",
        "유효한 입력인데 코드의 assert가 실패했습니다.",
    ),
}

LINE = {"en": "Line {line} of {file}: {source}", "ko": "{file} {line}번째 줄: {source}"}
WORD = {"en": "Cause", "ko": "원인"}

# NumPy 2 removals: name -> what to use instead
REMOVED = {
    "int": "int or np.int64", "float": "float or np.float64", "bool": "bool or np.bool_",
    "object": "object", "str": "str", "long": "int", "unicode": "str", "complex": "complex",
    "asscalar": "a.item()", "float_": "np.float64", "complex_": "np.complex128", "int0": "np.intp",
    "NaN": "np.nan", "NAN": "np.nan", "Inf": "np.inf", "Infinity": "np.inf", "infty": "np.inf",
    "PINF": "np.inf", "NINF": "-np.inf", "product": "np.prod", "cumproduct": "np.cumprod",
    "sometrue": "np.any", "alltrue": "np.all", "round_": "np.round", "asfarray": "np.asarray(a, dtype=float)",
    "msort": "np.sort(a, axis=0)", "row_stack": "np.vstack", "trapz": "np.trapezoid", "in1d": "np.isin",
    "find_common_type": "np.result_type", "cast": "a.astype(dtype)", "mat": "np.asmatrix",
    "unicode_": "np.str_", "string_": "np.bytes_",
}
PYTHON2 = {"xrange": "range", "unicode": "str", "long": "int", "raw_input": "input",
           "reduce": "functools.reduce", "izip": "zip", "imap": "map", "basestring": "str",
           "iteritems": "items()", "itervalues": "values()", "iterkeys": "keys()", "has_key": "in"}

_NP_ATTR = re.compile(r"`np\.(\w+)` was (?:a deprecated alias|removed)|module 'numpy' has no attribute '(\w+)'")
_NAME = re.compile(r"name '(\w+)' is not defined|has no attribute '(\w+)'")
_INDEX = re.compile(r"index (-?\d+) is out of bounds for axis (\d+) with size (\d+)")
_BROADCAST = re.compile(r"could not be broadcast together with shapes? (.*)|could not broadcast input array "
                        r"from shape (.*)|mismatch in its core dimension|shape-mismatch for sum|shapes \(.*\) and \(.*\) not aligned|"
                        r"cannot reshape array of size|operands could not be broadcast")
_FLOAT_SIZE = ("'float' object cannot be interpreted as an integer",
               "object cannot be interpreted as an integer",
               "expected a sequence of integers or a single integer",
               "slice indices must be integers",
               "only integers, slices",
               "'float' object is not iterable",
               "must be an integer", "integer argument expected, got float")
_FLOAT_OF_ARRAY = ("only length-1 arrays can be converted", "only 0-dimensional arrays can be converted",
                   "only size-1 arrays can be converted", "can only convert an array of size 1")
_SIGNATURE = re.compile(r"got an unexpected keyword argument '\w+'|missing \d+ required positional argument|"
                        r"takes \d+ positional arguments? but \d+ (?:were|was) given|"
                        r"got multiple values for argument '\w+'")
_DIVISIBLE = re.compile(r"%|divisib|divide|not an int|is_integer|integer output|must be an integer|whole")


def _cause(key: str, frame: dict | None, **params) -> dict:
    frame = frame or {}
    return {"key": key, "params": {"file": frame.get("file", ""), "line": frame.get("line", 0),
                                   "source": frame.get("source", ""), **params}}


def explain(error: dict | None, valid_input: bool = True) -> dict | None:
    """The known cause of ``error`` (the sandbox's exception data), or None.

    valid_input: the case was a valid input (False: the contract wanted a ValueError)."""
    if not isinstance(error, dict):
        return None
    kind = str(error.get("type") or "")
    message = str(error.get("message") or "")
    frame = error.get("frame") if isinstance(error.get("frame"), dict) else None
    source = str((frame or {}).get("source") or "")
    near = " ".join([*map(str, (frame or {}).get("before") or []), source])

    if kind == "NotImplementedError":
        return _cause("not_implemented", frame)
    if not valid_input:
        if kind == "AssertionError":
            return _cause("assert_instead_of_valueerror", frame)
        return None
    m = _NP_ATTR.search(message)
    if kind == "AttributeError" and m:
        name = m.group(1) or m.group(2)
        if name in REMOVED:
            return _cause("numpy2_removed", frame, name=name, use=REMOVED[name])
    m = _NAME.search(message)
    if kind in ("NameError", "AttributeError") and m:
        name = m.group(1) or m.group(2)
        if name in PYTHON2 and (kind == "NameError" or name.startswith("iter") or name == "has_key"):
            return _cause("python2", frame, name=name, use=PYTHON2[name])
    if kind == "TypeError" and _SIGNATURE.search(message):
        return _cause("signature", frame, detail=message[:160])
    if kind in ("AssertionError", "ValueError") and not _BROADCAST.search(message) \
            and _DIVISIBLE.search(near + " " + message) and ("assert" in near or "raise" in near):
        return _cause("divisibility_check", frame)
    if kind in ("TypeError", "IndexError", "ValueError") and any(s in message for s in _FLOAT_SIZE):
        return _cause("float_size", frame)
    if kind == "TypeError" and any(s in message for s in _FLOAT_OF_ARRAY):
        return _cause("float_of_array", frame)
    if kind == "ValueError" and "truth value of an array" in message:
        return _cause("truth_value", frame)
    m = _INDEX.search(message)
    if kind == "IndexError" and m:
        return _cause("index_past_input", frame, index=int(m.group(1)), axis=int(m.group(2)),
                      size=int(m.group(3)))
    if kind == "ValueError" and _BROADCAST.search(message):
        return _cause("broadcast_layout", frame, detail=message[:160])
    if kind == "AssertionError":
        return _cause("assert_failed", frame)
    if kind == "ValueError":
        return _cause("valid_rejected", frame, message=message[:160])
    return None


def sentence(cause: dict, lang: str) -> str:
    """The cause as one or two lines in ``lang``: where, then why."""
    en, ko = CAUSES.get(cause.get("key"), ("", ""))
    params = dict(cause.get("params") or {})
    text = ko if lang == "ko" else en
    if lang == "ko" and isinstance(params.get("use"), str):
        params["use"] = params["use"].replace(" or ", " 또는 ")
    try:
        why = kformat(text, **params)
    except (KeyError, ValueError, IndexError):
        why = en
    word = korean.message(WORD, lang)
    if params.get("source"):
        where = kformat(korean.message(LINE, lang), file=params.get("file") or "?", line=params.get("line"),
                        source=params["source"])
        return f"{word}: {why}\n  {where}"
    return f"{word}: {why}"
