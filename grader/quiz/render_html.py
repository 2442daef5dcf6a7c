"""Print-friendly HTML: bordered grids like the lecture slides, one sheet per printed page run."""
from __future__ import annotations

from html import escape
from typing import Sequence

from .keyrows import answer_letter, wrong_rows
from .labels import label, question_number
from .model import Grid, Question, Sheet, format_number, format_value

CSS = """
body { font-family: "NanumGothic", "Noto Sans CJK KR", "Malgun Gothic", sans-serif;
       max-width: 48em; margin: 2em auto; line-height: 1.5; color: #000; }
h1 { font-size: 1.4em; margin-bottom: 0.2em; }
.who { margin: 0.5em 0 1em; }
.convention { border: 1px solid #888; padding: 0.4em 0.8em; font-size: 0.92em; }
.q { margin: 1.2em 0; break-inside: avoid; page-break-inside: avoid; }
.num { font-weight: bold; margin-right: 0.5em; }
table.grid { border-collapse: collapse; margin: 0.3em 1em 0.3em 0; display: inline-table;
             vertical-align: top; }
table.grid td { border: 1.5px solid #000; width: 2em; height: 2em; text-align: center; }
table.grid caption { caption-side: top; font-style: italic; font-size: 0.9em; }
ol.choices { list-style: none; padding-left: 1em; }
ol.choices li { margin: 0.2em 0; }
.letter { font-weight: bold; margin-right: 0.4em; }
.blank { display: inline-block; min-width: 8em; border-bottom: 1px solid #000; }
.sheet + .sheet { break-before: page; page-break-before: always; }
@media print { body { margin: 0; max-width: none; } }
"""


def html_grid(grid: Grid, caption: str = "", blank: bool = False) -> str:
    """A grid as a bordered table."""
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    rows = "".join("<tr>" + "".join(f"<td>{'' if blank else format_number(v)}</td>" for v in row) + "</tr>"
                   for row in grid)
    return f'<table class="grid">{cap}{rows}</table>'


def _question(q: Question, sheet: Sheet) -> str:
    lang = sheet.lang
    parts = [f'<div class="q"><p><span class="num">{question_number(q.number)}</span>{escape(q.text)}</p>']
    if q.figures:
        parts.append("<div>" + "".join(html_grid(f.grid, f.caption) for f in q.figures) + "</div>")
    if sheet.style == "open":
        if q.is_grid:
            parts.append(f"<p>{escape(label(lang, 'fill_grid'))}</p>" + html_grid(q.answer, blank=True))
        else:
            parts.append(f'<p>{escape(label(lang, "answer"))}: <span class="blank"></span></p>')
    else:
        items = []
        for c in q.choices:
            body = html_grid(c.value) if q.is_grid else escape(format_value(c.value))
            items.append(f'<li><span class="letter">{c.letter}.</span>{body}</li>')
        parts.append(f"<p><em>{escape(label(lang, 'choose'))}</em></p><ol class=\"choices\">{''.join(items)}</ol>")
    return "".join(parts) + "</div>"


def _key(q: Question, sheet: Sheet) -> str:
    lang = sheet.lang
    letter = answer_letter(q, sheet)
    head = (f'<p><span class="num">{question_number(q.number)}</span>{escape(label(lang, "answer"))}: '
            + (f"<b>{letter}</b>" if letter else ""))
    if q.is_grid:  # a table cannot sit inside a <p>
        parts = [f'<div class="q">{head}</p>{html_grid(q.answer)}']
    else:
        value = escape(format_value(q.answer))
        parts = [f'<div class="q">{head}' + (f" ({value})" if letter else f"<b>{value}</b>") + "</p>"]
    parts.append(f"<p>{escape(label(lang, 'solution'))}: {escape(q.solution)}</p>")
    rows = [f"<li>{r.letter + '. ' if r.letter else ''}{escape(r.text)} — {escape(r.label)} <code>{r.tag}</code></li>"
            for r in wrong_rows(q, sheet)]
    if rows:
        parts.append(f"<p>{escape(label(lang, 'distractors'))}:</p><ul>{''.join(rows)}</ul>")
    return "".join(parts) + "</div>"


def _sheet(sheet: Sheet, key: bool) -> str:
    lang = sheet.lang
    title = sheet.title + (f" — {label(lang, 'key')}" if key else "")
    who = escape(sheet.student_id or "")
    name = escape(sheet.student_name or "")
    head = (f"<h1>{escape(title)}</h1><div class=\"who\">{escape(label(lang, 'name'))}: "
            f"<span class=\"blank\">{name}</span> &nbsp; {escape(label(lang, 'student_id'))}: "
            f"<span class=\"blank\">{who}</span> &nbsp; ({escape(label(lang, 'code'))} {escape(sheet.code)})</div>")
    if not key:
        head += f'<p class="convention">{escape(sheet.convention)}</p>'
    body = "".join(_key(q, sheet) if key else _question(q, sheet) for q in sheet.questions)
    return f'<section class="sheet">{head}{body}</section>'


def render_html(sheets: Sequence[Sheet], *, key: bool = False) -> bytes:
    """Sheets (or keys) as one HTML document; each sheet starts on a new printed page."""
    lang = sheets[0].lang if sheets else "ko"
    title = escape(sheets[0].title if sheets else "")
    body = "\n".join(_sheet(s, key) for s in sheets)
    doc = (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
           f"<title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")
    return doc.encode("utf-8")
