"""Moodle XML (question bank import): multichoice and numerical questions."""
from __future__ import annotations

from typing import Sequence
from xml.sax.saxutils import escape

from .lms import (category_name, feedback, is_numerical, question_html, question_name, value_html,
                  wrong_values)
from .model import Question, Sheet


def _text(tag: str, content: str, fmt: str | None = "html", indent: str = "    ") -> str:
    attr = f' format="{fmt}"' if fmt else ""
    return f"{indent}<{tag}{attr}>\n{indent}  <text>{escape(content)}</text>\n{indent}</{tag}>\n"


def _common(q: Question, sheet: Sheet, qtype: str) -> str:
    return (f'  <question type="{qtype}">\n'
            f"    <name>\n      <text>{escape(question_name(q))}</text>\n    </name>\n"
            + _text("questiontext", question_html(q, sheet))
            + _text("generalfeedback", q.solution)
            + "    <defaultgrade>1.0000000</defaultgrade>\n"
              "    <penalty>0.3333333</penalty>\n"
              "    <hidden>0</hidden>\n"
              f"    <idnumber>{escape(q.kind)}-{escape(sheet.code)}-{q.number}</idnumber>\n")


def _answer(fraction: int, text: str, fb: str, fmt: str, extra: str = "") -> str:
    return (f'    <answer fraction="{fraction}" format="{fmt}">\n'
            f"      <text>{escape(text)}</text>\n"
            + _text("feedback", fb, indent="      ") + extra + "    </answer>\n")


def _multichoice(q: Question, sheet: Sheet) -> str:
    out = _common(q, sheet, "multichoice")
    out += ("    <single>true</single>\n    <shuffleanswers>false</shuffleanswers>\n"
            "    <answernumbering>ABCD</answernumbering>\n    <showstandardinstruction>0</showstandardinstruction>\n")
    for c in q.choices:
        out += _answer(100 if c.correct else 0, value_html(c.value), feedback(q, c.tag), "html")
    return out + "  </question>\n"


def _numerical(q: Question, sheet: Sheet) -> str:
    out = _common(q, sheet, "numerical")
    out += _answer(100, str(q.answer), "", "moodle_auto_format", "      <tolerance>0</tolerance>\n")
    for value, tag in wrong_values(q, sheet):
        out += _answer(0, str(value), feedback(q, tag), "moodle_auto_format", "      <tolerance>0</tolerance>\n")
    out += ("    <unitgradingtype>0</unitgradingtype>\n    <unitpenalty>0.1000000</unitpenalty>\n"
            "    <showunits>3</showunits>\n    <unitsleft>0</unitsleft>\n")
    return out + "  </question>\n"


def render_moodle(sheets: Sequence[Sheet]) -> bytes:
    """Sheets as one Moodle XML quiz file, a category per sheet."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n']
    for sheet in sheets:
        parts.append('  <question type="category">\n    <category>\n'
                     f"      <text>$course$/{escape(category_name(sheet))}</text>\n"
                     "    </category>\n  </question>\n")
        for q in sheet.questions:
            parts.append(_numerical(q, sheet) if is_numerical(q, sheet) else _multichoice(q, sheet))
    parts.append("</quiz>\n")
    return "".join(parts).encode("utf-8")
