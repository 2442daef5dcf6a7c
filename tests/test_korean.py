"""Particles by rule (grader/korean.py) over tables of words, and the default language.

The expected particles of numbers come from an independent reader written here:
it spells the whole number in Korean (25 -> 이십오) and looks at the final jamo
of the spelling after Unicode decomposition.
"""
from __future__ import annotations

import unicodedata

import pytest

from grader.korean import attach, default_lang, josa, kformat, particle_fields

_SINO = ["", "일", "이", "삼", "사", "오", "육", "칠", "팔", "구"]


def read_korean(n: int) -> str:
    """The Sino-Korean reading of a non-negative integer (1 before 십/백/천/만 is silent)."""
    if n == 0:
        return "영"
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    words = []
    for power, group in reversed(list(enumerate(groups))):
        if not group:
            continue
        part = ""
        for unit, value in (("천", 1000), ("백", 100), ("십", 10), ("", 1)):
            d = group // value % 10
            if d:
                part += ("" if d == 1 and unit else _SINO[d]) + unit
        if power and part == "일":
            part = ""
        words.append(part + ["", "만", "억", "조"][power])
    return "".join(words)


def expected(reading: str, pair: str) -> str:
    consonant, vowel = pair.split("/")
    last = unicodedata.normalize("NFD", reading)[-1]
    if not "\u11a8" <= last <= "\u11c2":  # no final jamo
        return vowel
    if last == "\u11af" and consonant.startswith("으"):  # final ㄹ takes 로
        return vowel
    return consonant


PAIRS = ["이/가", "을/를", "은/는", "과/와", "으로/로", "이에요/예요"]


def test_the_reader_itself():
    assert [read_korean(n) for n in (0, 1, 10, 11, 25, 100, 110, 1000, 1729, 10000, 20000, 100000)] == [
        "영", "일", "십", "십일", "이십오", "백", "백십", "천", "천칠백이십구", "만", "이만", "십만"]


@pytest.mark.parametrize("pair", PAIRS)
def test_numbers_0_to_10000_and_large(pair):
    numbers = list(range(0, 10001)) + [10 ** k for k in range(5, 15)] + [123456789, 1000000007, 16794112]
    for n in numbers:
        want = expected(read_korean(n), pair)
        assert josa(n, pair) == want, (n, read_korean(n), pair)
        assert josa(str(n), pair) == want
        assert josa(-n, pair) == want  # 마이너스 ...: the sign does not change the end
        assert josa(f"−{n}", pair) == want  # U+2212
    assert josa("1,000", "을/를") == "을" and josa("1,729", "을/를") == "를"


TABLE = [
    # word, 이/가, 을/를, 으로/로
    ("0", "이", "을", "으로"), ("1", "이", "을", "로"), ("2", "가", "를", "로"), ("3", "이", "을", "으로"),
    ("4", "가", "를", "로"), ("5", "가", "를", "로"), ("6", "이", "을", "으로"), ("7", "이", "을", "로"),
    ("8", "이", "을", "로"), ("9", "가", "를", "로"), ("10", "이", "을", "으로"), ("25", "가", "를", "로"),
    ("28", "이", "을", "로"), ("100", "이", "을", "으로"), ("1000", "이", "을", "으로"),
    ("10000", "이", "을", "으로"), ("1729", "가", "를", "로"),
    ("28×28", "이", "을", "로"), ("224×224", "가", "를", "로"), ("7×7", "이", "을", "로"),
    ("64×64", "가", "를", "로"), ("3x3", "이", "을", "으로"), ("1×1", "이", "을", "로"),
    ("(3, 1)", "이", "을", "로"), ("(2, 3, 4)", "가", "를", "로"), ("2P", "가", "를", "로"),
    ("1e-5", "가", "를", "로"), ("1e-06", "이", "을", "으로"), ("3.14", "가", "를", "로"), ("2.0", "이", "을", "으로"),
    ("-3", "이", "을", "으로"), ("−4", "가", "를", "로"), ("50%", "가", "를", "로"), ("180°", "가", "를", "로"),
    ("x", "가", "를", "로"), ("list", "가", "를", "로"), ("global_avg_pool", "이", "을", "로"),
    ("conv_forward", "가", "를", "로"), ("conv_output_size", "가", "를", "로"), ("same_padding", "이", "을", "으로"),
    ("AssertionError", "가", "를", "로"), ("ValueError", "가", "를", "로"), ("float32", "가", "를", "로"),
    ("int64", "가", "를", "로"), ("float64", "가", "를", "로"), ("int8", "이", "을", "로"),
    ("relu", "가", "를", "로"), ("ReLU", "가", "를", "로"), ("sigmoid", "가", "를", "로"),
    ("bias", "가", "를", "로"), ("stride", "가", "를", "로"), ("padding", "이", "을", "으로"),
    ("filter", "가", "를", "로"), ("pool", "이", "을", "로"), ("kernel", "이", "을", "로"), ("channel", "이", "을", "로"),
    ("activation map", "이", "을", "으로"), ("dot product", "가", "를", "로"), ("cross-correlation", "이", "을", "으로"),
    ("shortcut", "이", "을", "으로"), ("ResNet", "이", "을", "으로"), ("dtype", "이", "을", "으로"),
    ("module", "이", "을", "로"), ("name", "이", "을", "으로"), ("None", "이", "을", "으로"), ("True", "가", "를", "로"),
    ("block", "이", "을", "으로"), ("C_in", "이", "을", "으로"), ("C_out", "이", "을", "으로"), ("C_r", "이", "을", "로"),
    ("N", "이", "을", "으로"), ("F", "가", "를", "로"), ("S", "가", "를", "로"), ("P", "가", "를", "로"),
    ("L", "이", "을", "로"), ("M", "이", "을", "으로"), ("K", "가", "를", "로"), ("CNN", "이", "을", "으로"),
    ("VGG", "가", "를", "로"), ("HTML", "이", "을", "로"), ("JSON", "이", "을", "으로"), ("`conv_forward`", "가", "를", "로"),
    ("'x'", "가", "를", "로"), ("max_pool_forward", "가", "를", "로"), ("numpy", "가", "를", "로"),
    ("패딩", "이", "을", "으로"), ("필터", "가", "를", "로"), ("출력", "이", "을", "으로"), ("스트라이드", "가", "를", "로"),
    ("채널", "이", "을", "로"), ("합성곱(convolution)", "이", "을", "으로"), ("높이(=너비)", "가", "를", "로"),
    ("ㄹ", "이", "을", "로"), ("ㅂ", "이", "을", "으로"),
]


@pytest.mark.parametrize("word,i_ga,eul_reul,euro_ro", TABLE, ids=[t[0] for t in TABLE])
def test_words(word, i_ga, eul_reul, euro_ro):
    assert josa(word, "이/가") == i_ga
    assert josa(word, "을/를") == eul_reul
    assert josa(word, "으로/로") == euro_ro
    consonant = i_ga == "이"
    assert josa(word, "은/는") == ("은" if consonant else "는")
    assert josa(word, "과/와") == ("과" if consonant else "와")
    assert josa(word, "이에요/예요") == ("이에요" if consonant else "예요")


def test_pairs_in_either_order_and_attach():
    assert josa("x", "를/을") == "를" and josa("채널", "로/으로") == "로" and josa("3", "가/이") == "이"
    assert attach("x", "을/를") == "x를" and attach(25, "을/를") == "25를" and attach("padding 3", "으로/로") == "padding 3으로"
    with pytest.raises(ValueError, match="unknown particle pair"):
        josa("x", "에/에서")


def test_nothing_readable_gets_both_forms():
    assert josa("", "을/를") == "을(를)" and josa("→", "이/가") == "이(가)" and josa("", "으로/로") == "(으)로"


def test_kformat():
    assert kformat("{f:@이/가} {got:@을/를} 반환했습니다.", f="conv_output_size", got=25) == \
        "conv_output_size가 25를 반환했습니다."
    assert kformat("{f:@이/가} {got:.6g@을/를} 반환했습니다", f="relu", got=0.30000000004) == "relu가 0.3을 반환했습니다"
    assert kformat("{n:,@을/를}", n=1729) == "1,729를"
    assert kformat("stride {S:@으로/로}, padding {P:@으로/로}, bias {b:@으로/로}", S=3, P=0, b=1) == \
        "stride 3으로, padding 0으로, bias 1로"
    assert kformat("{N}×{N:@으로/로}", N=64) == "64×64로"
    assert kformat("{e:@이/가} 발생했습니다", e="AssertionError") == "AssertionError가 발생했습니다"
    assert kformat("{x!r:@을/를}", x="a") == "'a'를"
    assert kformat("{x:@>4}", x="a") == "@@@a"  # an '@' fill without a pair stays a fill
    assert kformat("{} {}", 1, 2) == "1 2"
    assert particle_fields("{a:@이/가} {b} {c:d@을/를}") == [("a", "이/가"), ("c", "을/를")]
    with pytest.raises(ValueError):
        particle_fields("{a:@에/에서}")


@pytest.mark.parametrize("env,want", [
    ({}, "ko"), ({"LANG": "C"}, "ko"), ({"LANG": "POSIX"}, "ko"), ({"LANG": "C.UTF-8"}, "ko"),
    ({"LANG": "en_US.UTF-8"}, "en"), ({"LANG": "ko_KR.UTF-8"}, "ko"), ({"LANG": "de_DE.UTF-8"}, "ko"),
    ({"LANG": "en_US.UTF-8", "LC_ALL": "ko_KR.UTF-8"}, "ko"), ({"LANG": "ko_KR.UTF-8", "LC_ALL": "en_GB"}, "en"),
    ({"LC_ALL": "", "LC_MESSAGES": "en_US", "LANG": "ko_KR"}, "en"), ({"LC_ALL": "", "LANG": "en"}, "en"),
])
def test_default_lang(env, want):
    assert default_lang(None, env) == want
    assert default_lang("en", env) == "en" and default_lang("ko", env) == "ko"


def test_one_lookup_rule_for_every_message_table():
    from grader import korean
    tables = {"en": {"done": "{n} graded", "extra": "only in English", "blank": "x"},
              "ko": {"done": "{n:,@을/를} 채점", "blank": ""}}
    assert korean.say(tables, "ko", "done", n=1000) == "1,000을 채점"
    assert korean.say(tables, "ko", "extra") == "only in English"       # a key Korean lacks
    assert korean.say(tables, "fr", "done", n=3) == "3 graded"           # a language nobody wrote
    assert korean.message(tables, "ko", "blank") == ""                   # an empty text is a text
    assert korean.table(tables, "ko") is tables["ko"] and korean.table(tables, "de") is tables["en"]
    assert korean.message({"en": "Not graded", "ko": "채점하지 못함"}, "ko") == "채점하지 못함"
