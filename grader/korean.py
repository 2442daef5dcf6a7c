"""Korean particles chosen by rule, and the one default language.

A particle (조사) agrees with how the word before it is read aloud: a final
consonant (받침) takes 이/을/은/과/으로/이에요, none takes 가/를/는/와/로/예요,
and a final ㄹ takes 로 (but still 이/을/은/과). What is read aloud:

============================  ===============================================
the word ends in               read as (final sound)
============================  ===============================================
a Hangul syllable              itself (a compatibility jamo by its name: ㄹ 리을)
``합성곱(convolution)``        the Hangul word before a parenthetical gloss
an integer                     its last unit: 0 영, 1 일, 2 이, 3 삼, 4 사,
                               5 오, 6 육, 7 칠, 8 팔, 9 구; trailing zeros
                               10 십, 100 백, 1000 천, 10⁴ 만, 10⁸ 억, 10¹² 조,
                               10¹⁶ 경 (so 25 이십오, 1729 천칠백이십구, 20000 이만)
a decimal, ``1e-5``            the last digit read alone (3.14 사, 1e-5 오)
``28×28``, ``3x3``, ``(3, 1)``, the last readable token (28, 3, 1, P);
``2P``, ``-3``, ``−3``         the sign is not read
closing ``)]}>"'`*`` etc.      skipped
a Latin letter                 its name: a 에이, b 비, c 씨, d 디, e 이, f 에프,
                               g 지, h 에이치, i 아이, j 제이, k 케이, l 엘,
                               m 엠, n 엔, o 오, p 피, q 큐, r 알, s 에스, t 티,
                               u 유, v 브이, w 더블유, x 엑스, y 와이, z 제트
an identifier                  its last word (``conv_forward`` → forward,
                               ``AssertionError`` → Error, ``ResNet`` → Net),
                               that word read as below
a known word                   :data:`WORDS` (error 에러, list 리스트, pool 풀,
                               type 타입, json 제이슨, relu 렐루, ...)
an upper-case acronym          its last letter (CNN 엔, VGG 지, HTML 엘)
another word ending in         ``ng`` ㅇ, ``l`` ㄹ, ``m`` ㅁ, ``n`` ㄴ (pooling,
                               kernel, sum, return); ``le`` ㄹ (module,
                               table); ``me``/``ne`` ㅁ/ㄴ (name, none);
                               consonant + one vowel + ``p``/``t``/``ck`` the
                               stop (map 맵, net 넷, block 블록); anything else
                               (``-er``/``-or`` as 어, ``-ct``, ``-st``, ``-x``,
                               a vowel) no final consonant
============================  ===============================================

Words ending in ``r`` read with a vowel (filter 필터, layer 레이어, Error 에러);
only the single letter ``r`` (알) ends in ㄹ. A word with nothing readable
gets both forms, ``을(를)``.

Why not a PyPI package: the josa packages available (tossi, pyjosa,
korean-glue, josa, korean-josa) read Hangul and numbers but not identifiers
(``AssertionError``, ``int64``, ``conv_forward``) the way this course reads them.
"""
from __future__ import annotations

import os
import re
import string
import unicodedata
from typing import Any

__all__ = ["josa", "attach", "kformat", "final_sound", "default_lang", "PAIRS"]

PAIRS: dict[str, tuple[str, str]] = {
    "이/가": ("이", "가"), "을/를": ("을", "를"), "은/는": ("은", "는"), "과/와": ("과", "와"),
    "으로/로": ("으로", "로"), "이에요/예요": ("이에요", "예요"), "아/야": ("아", "야"),
    "이나/나": ("이나", "나"), "이라고/라고": ("이라고", "라고"), "이라는/라는": ("이라는", "라는"),
    "이랑/랑": ("이랑", "랑"), "으로서/로서": ("으로서", "로서"), "으로써/로써": ("으로써", "로써"),
    "이며/며": ("이며", "며"), "이면/면": ("이면", "면"), "이고/고": ("이고", "고"),
}
"""Accepted particle pairs, ``consonant form/vowel form``; either order may be given."""

_BY_EITHER_ORDER = {**PAIRS, **{f"{v}/{c}": (c, v) for c, v in PAIRS.values()}}

_NONE, _RIEUL, _OTHER = "", "ㄹ", "C"
"""Final sounds: no final consonant, ㄹ, any other final consonant."""

_DIGITS = "영일이삼사오육칠팔구"
_UNITS = {1: "십", 2: "백", 3: "천", 4: "만", 8: "억", 12: "조", 16: "경"}
_LETTERS = dict(zip("abcdefghijklmnopqrstuvwxyz",
                    "에이 비 씨 디 이 에프 지 에이치 아이 제이 케이 엘 엠 엔 오 피 큐 알 에스 티 유 브이 더블유 엑스 와이 제트"
                    .split()))

WORDS: dict[str, str] = {
    "error": "에러", "list": "리스트", "pool": "풀", "type": "타입", "dtype": "디타입", "json": "제이슨",
    "relu": "렐루", "conv": "컨브", "out": "아웃", "input": "인풋", "output": "아웃풋", "numpy": "넘파이",
    "net": "넷", "id": "아이디", "ok": "오케이", "true": "트루", "false": "폴스", "none": "논",
    "nan": "난", "inf": "인프", "bias": "바이어스", "stride": "스트라이드", "map": "맵", "max": "맥스",
    "avg": "에버리지", "mean": "민", "sum": "섬", "zip": "집", "csv": "씨에스브이", "pdf": "피디에프",
    "html": "에이치티엠엘", "gift": "기프트", "qti": "큐티아이", "typst": "타입스트", "moodle": "무들",
    "canvas": "캔버스", "shortcut": "숏컷", "block": "블록", "window": "윈도", "sigmoid": "시그모이드",
    "float": "플로트", "int": "인트", "array": "어레이", "shape": "셰이프", "self": "셀프", "lambda": "람다",
    "api": "에이피아이", "lms": "엘엠에스", "vgg": "브이지지", "se": "에스이", "fc": "에프씨", "cnn": "씨엔엔",
    "utf": "유티에프", "md": "엠디", "seed": "시드", "secret": "시크릿", "kernel": "커널", "image": "이미지",
    "height": "하이트", "width": "위스", "depth": "뎁스", "pytorch": "파이토치", "torch": "토치",
    "softmax": "소프트맥스", "dropout": "드롭아웃", "batch": "배치", "correlation": "코릴레이션",
}
"""Words whose reading the ending rules would get wrong or that the course uses often."""

_CLOSERS = "]}>\"'`*_.,;:!?」』》〉］｝”’ \t\n\u00a0"
"""Skipped at the end of a word (a closing parenthesis is handled apart: it may close a gloss)."""
_GLOSS = re.compile(r"[\uac00-\ud7a3][(（][^()（）]*[)）]$")
_NUMBER = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$")
_WORD = re.compile(r"[A-Za-z][A-Za-z']*$")
_VOWELS = set("aeiouy")


def _hangul_final(ch: str) -> str | None:
    """The final sound of one Hangul syllable or compatibility jamo, None if not Hangul."""
    code = ord(ch) - 0xAC00
    if 0 <= code < 11172:
        tail = code % 28
        return _NONE if tail == 0 else _RIEUL if tail == 8 else _OTHER
    if "ㄱ" <= ch <= "ㅎ":  # consonant names all end in a consonant: 기역, 니은, 리을, ...
        return _RIEUL if ch == "ㄹ" else _OTHER
    if "ㅏ" <= ch <= "ㅣ":
        return _NONE
    return None


def _reading_final(reading: str) -> str:
    return _hangul_final(reading[-1]) or _NONE


def _number_final(integer: str, fraction: str | None) -> str:
    if fraction:
        return _reading_final(_DIGITS[int(fraction[-1])])
    digits = integer.replace(",", "").lstrip("0")
    if not digits:
        return _reading_final("영")
    zeros = len(digits) - len(digits.rstrip("0"))
    if zeros == 0:
        return _reading_final(_DIGITS[int(digits[-1])])
    unit = _UNITS[zeros] if zeros < 4 else _UNITS[min(zeros // 4 * 4, 16)]
    return _reading_final(unit)


def _english_final(word: str) -> str:
    w = word.lower().replace("'", "")
    if w in WORDS:
        return _reading_final(WORDS[w])
    if len(w) == 1:
        return _reading_final(_LETTERS[w])
    if word.isupper():  # an acronym, read letter by letter
        return _reading_final(_LETTERS[w[-1]])
    if w.endswith("ng"):
        return _OTHER
    last = w[-1]
    if last == "l":
        return _RIEUL
    if last in "mn":
        return _OTHER
    if last == "e" and len(w) >= 3:
        before = w[-2]
        if before == "l":
            return _RIEUL
        if before in "mn" and w[-3] in _VOWELS:
            return _OTHER
        return _NONE
    if (w.endswith("ck") and len(w) >= 4 and w[-3] in _VOWELS and w[-4] not in _VOWELS) or (
            last in "pt" and len(w) >= 3 and w[-2] in _VOWELS and w[-3] not in _VOWELS):
        return _OTHER
    return _NONE


def _split_identifier(token: str) -> str:
    """The last word of snake_case / camelCase / dotted names (digits end a word too)."""
    token = token.rstrip("_")
    parts = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z']+|\d+(?:\.\d+)?", token)
    return parts[-1] if parts else token


def final_sound(word: str) -> str | None:
    """How ``word`` ends when read aloud: ``""`` (a vowel), ``"ㄹ"``, ``"C"`` (another
    consonant), or None when nothing in it is readable."""
    w = str(word)
    while True:
        w = w.rstrip(_CLOSERS)
        m = _GLOSS.search(w)
        if m is not None:  # 합성곱(convolution): the particle agrees with 합성곱
            w = w[:m.start() + 1]
            continue
        if w.endswith(")") or w.endswith("）"):
            w = w[:-1]
            continue
        break
    if not w:
        return None
    last = w[-1]
    hangul = _hangul_final(last)
    if hangul is not None:
        return hangul
    if last.isdigit():
        tail = re.search(r"[0-9.,]+$", w).group(0).strip(".,")
        m = _NUMBER.search(tail)
        return _number_final(m.group(1), m.group(2))
    if last in "%":
        return _reading_final("퍼센트")
    if last == "°":
        return _reading_final("도")
    if last.isascii() and last.isalpha():
        token = re.search(r"[A-Za-z0-9_']+$", w).group(0)
        if token.lower() in WORDS:
            return _reading_final(WORDS[token.lower()])
        piece = _split_identifier(token)
        if piece[-1].isdigit():
            m = _NUMBER.search(piece)
            return _number_final(m.group(1), m.group(2))
        return _english_final(_WORD.search(piece).group(0))
    if unicodedata.category(last)[0] in "LN":  # another script: Greek, CJK, ...
        return _NONE
    # a symbol (× · − / = + ...): read what comes before it
    return final_sound(w[:-1])


def _pair(pair: str) -> tuple[str, str]:
    try:
        return _BY_EITHER_ORDER[pair.replace(" ", "")]
    except KeyError:
        raise ValueError(f"unknown particle pair {pair!r} (known: {', '.join(PAIRS)})") from None


def josa(word: Any, pair: str) -> str:
    """The particle of ``pair`` (``"이/가"``, ``"을/를"``, ``"으로/로"``, ...) that agrees with ``word``.

    >>> josa("conv_output_size", "이/가"), josa(25, "을/를"), josa("3", "으로/로"), josa("28×28", "으로/로")
    ('가', '를', '으로', '로')
    """
    consonant, vowel = _pair(pair)
    sound = final_sound(str(word))
    if sound is None:
        return f"{consonant}({vowel})" if not consonant.startswith("으") else f"(으){vowel}"
    if sound == _NONE or (sound == _RIEUL and consonant.startswith("으")):
        return vowel
    return consonant


def attach(word: Any, pair: str) -> str:
    """``word`` followed by its particle: ``attach("x", "을/를") == "x를"``."""
    return f"{word}{josa(word, pair)}"


class _Formatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        spec, at, pair = format_spec.rpartition("@")
        if at and "/" in pair:
            return attach(super().format_field(value, spec), pair)
        return super().format_field(value, format_spec)


_FORMATTER = _Formatter()


def kformat(template: str, *args: Any, **values: Any) -> str:
    """``str.format`` where a field's spec may end in ``@`` and a particle pair.

    The ordinary spec before ``@`` is applied first and the particle is chosen
    from the formatted text: ``kformat("{f:@이/가} {got:,@을/를} 반환했습니다", f="relu",
    got=1729)`` gives ``"relu가 1,729를 반환했습니다"``.
    """
    return _FORMATTER.format(template, *args, **values)


def table(tables: dict[str, dict], lang: str) -> dict:
    """``lang``'s table of a ``{"en": {...}, "ko": {...}}`` set; English for another language."""
    return tables.get(lang, tables["en"])


def message(tables: dict[str, Any], lang: str, key: str | None = None) -> Any:
    """``key``'s text in ``lang``'s table of ``tables``, else in English's (a language
    or a key the tables lack). Without ``key``: the language's whole entry."""
    found = tables.get(lang)
    if key is None:
        return found if found is not None else tables["en"]
    if isinstance(found, dict) and key in found:
        return found[key]
    return tables["en"][key]


def say(tables: dict[str, dict], lang: str, key: str, **values: Any) -> str:
    """``message(tables, lang, key)`` with ``values`` filled in by :func:`kformat`."""
    return kformat(message(tables, lang, key), **values)


def particle_fields(template: str) -> list[tuple[str, str]]:
    """(field name, pair) for every ``{field:...@pair}`` of a template; raises
    ValueError for a malformed template or an unknown pair."""
    out = []
    for _, name, spec, _ in string.Formatter().parse(template):
        if name is not None and spec and "@" in spec:
            _, _, pair = spec.rpartition("@")
            if "/" in pair:
                _pair(pair)
                out.append((name, pair))
    return out


LANG_ENV = ("LC_ALL", "LC_MESSAGES", "LANG")


def default_lang(explicit: str | None = None, environ: dict[str, str] | None = None) -> str:
    """The language of every command: ``ko`` or ``en``.

    ``explicit`` (``--lang``) when given; otherwise the first non-empty of
    ``LC_ALL``, ``LC_MESSAGES`` and ``LANG`` (the POSIX order): starting
    with ``en`` gives English, starting with ``ko`` gives Korean; anything
    else (unset, ``C``, ``POSIX``, ``C.UTF-8``, another language) gives
    Korean, the language this course is taught in.
    """
    if explicit:
        return explicit
    env = os.environ if environ is None else environ
    for name in LANG_ENV:
        value = (env.get(name) or "").strip().lower()
        if value:
            return "en" if value.startswith("en") else "ko"
    return "ko"
