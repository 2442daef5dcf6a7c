"""Markdown sheets and keys."""
from __future__ import annotations

from typing import Sequence

from .keyrows import answer_letter, wrong_rows
from .labels import label, question_number
from .model import Grid, Question, Sheet, format_number, format_value


def md_grid(grid: Grid, blank: bool = False) -> str:
    """A grid as a Markdown table (the first row is the header row, as in the lecture notes)."""
    cells = [["   " if blank else format_number(v) for v in row] for row in grid]
    lines = ["| " + " | ".join(cells[0]) + " |", "|" + "---|" * len(cells[0])]
    lines += ["| " + " | ".join(row) + " |" for row in cells[1:]]
    return "\n".join(lines)


def _header(sheet: Sheet, key: bool) -> list[str]:
    lang = sheet.lang
    title = sheet.title + (f" — {label(lang, 'key')}" if key else "")
    out = [f"# {title}", ""]
    who = sheet.student_id or "________"
    name = sheet.student_name or "________"
    out += [f"**{label(lang, 'name')}:** {name} &nbsp; **{label(lang, 'student_id')}:** {who}"
            f" &nbsp; ({label(lang, 'code')} {sheet.code})", ""]
    if not key:
        out += [f"> {sheet.convention}", ""]
    return out


def _question(q: Question, sheet: Sheet) -> list[str]:
    lang = sheet.lang
    out = [f"**{question_number(q.number)}** {q.text}", ""]
    for fig in q.figures:
        out += [f"*{fig.caption}*", "", md_grid(fig.grid), ""]
    if sheet.style == "open":
        if q.is_grid:
            out += [label(lang, "fill_grid"), "", md_grid(q.answer, blank=True), ""]
        else:
            out += [f"{label(lang, 'answer')}: ________", ""]
        return out
    out += [f"*{label(lang, 'choose')}*", ""]
    for c in q.choices:
        if q.is_grid:
            out += [f"- **{c.letter}.**", "", _indent(md_grid(c.value)), ""]
        else:
            out.append(f"- **{c.letter}.** {format_value(c.value)}")
    return out + [""]


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


def _key(q: Question, sheet: Sheet) -> list[str]:
    lang = sheet.lang
    letter = answer_letter(q, sheet)
    head = f"**{question_number(q.number)}** {label(lang, 'answer')}: " + (f"**{letter}**" if letter else "")
    if q.is_grid:
        out = [head.rstrip(), "", md_grid(q.answer), ""]
    else:
        value = format_value(q.answer)
        out = [head + (f" ({value})" if letter else f"**{value}**"), ""]
    out += [f"{label(lang, 'solution')}: {q.solution}", ""]
    rows = wrong_rows(q, sheet)
    if rows:
        out.append(f"{label(lang, 'distractors')}:")
        out += [f"- {r.letter + '. ' if r.letter else ''}{r.text} — {r.label} (`{r.tag}`)" for r in rows]
        out.append("")
    return out


def render_markdown(sheets: Sequence[Sheet], *, key: bool = False) -> bytes:
    """One or more sheets (or their keys) as one Markdown document, separated by rules."""
    parts: list[str] = []
    for i, sheet in enumerate(sheets):
        if i:
            parts += ["", "---", ""]
        parts += _header(sheet, key)
        for q in sheet.questions:
            parts += _key(q, sheet) if key else _question(q, sheet)
    return ("\n".join(parts).rstrip() + "\n").encode("utf-8")
