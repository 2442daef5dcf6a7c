"""The HTML outputs: ``summary.html`` (one static file, its style and script
inline, a sortable table of the students) and each student's feedback as
HTML. Every piece of text is escaped with :func:`html.escape`; a Content
Security Policy allows only the page's own inline style and script.

:func:`markdown_to_html` renders the Markdown the gradebook writes (headings,
paragraphs, ``-`` lists, ``---``, fenced code of any fence length, ``code``
spans, ``**bold**`` and backslash escapes): the subset it produces, with
CommonMark's meaning, so student text escaped for Markdown stays text here.
"""

from __future__ import annotations

import html
import re

from grader import korean
from grader.batch import gradebook as gb

CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:")
STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left}
td.n,th.n{text-align:right}th[data-col]{cursor:pointer;background:#f3f3f3}th[aria-sort=ascending]::after{content:" \\25B2"}
th[aria-sort=descending]::after{content:" \\25BC"}pre{background:#f6f6f6;padding:.6em;overflow:auto;white-space:pre-wrap}
.bar{display:inline-block;height:.9em;background:#4472c4;vertical-align:middle}.ok{background:#70ad47}
code{background:#f3f3f3;padding:0 .2em}
"""
SCRIPT = """
document.querySelectorAll('table.sortable').forEach(function (table) {
  var heads = table.querySelectorAll('th[data-col]');
  heads.forEach(function (th) {
    th.addEventListener('click', function () {
      var col = Number(th.dataset.col), numeric = th.dataset.type === 'number';
      var dir = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
      heads.forEach(function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', dir);
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col].dataset.v, y = b.cells[col].dataset.v;
        var c = numeric ? Number(x) - Number(y) : x.localeCompare(y);
        return dir === 'ascending' ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
"""


def esc(text) -> str:
    return html.escape(str(text), quote=True)


def page(title: str, body: str, script: bool = False, lang: str = "en") -> str:
    return (f"<!DOCTYPE html>\n<html lang=\"{esc(lang)}\"><head><meta charset=\"utf-8\">"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">"
            f"<title>{esc(title)}</title><style>{STYLE}</style></head>\n<body>\n{body}\n"
            + (f"<script>{SCRIPT}</script>\n" if script else "") + "</body></html>\n")


# -- Markdown (the gradebook's subset) -> HTML --------------------------------------------

_ESCAPABLE = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


_INLINE = re.compile(r"\\[!-/:-@\[-`{-~]|`+|\*\*")


def _inline(text: str) -> str:
    if "\\" not in text and "`" not in text and "*" not in text:
        return esc(text)
    out, pos, strong = [], 0, False
    pieces = list(_INLINE.finditer(text))
    k = 0
    while k < len(pieces):
        m = pieces[k]
        if m.start() < pos:
            k += 1
            continue
        out.append(esc(text[pos:m.start()]))
        tok = m.group(0)
        if tok[0] == "\\":
            out.append(esc(tok[1]))
            pos = m.end()
        elif tok[0] == "`":
            close = next((c for c in pieces[k + 1:] if c.group(0) == tok), None)
            if close is None:
                out.append(esc(tok))
                pos = m.end()
            else:
                inner = text[m.end():close.start()]
                out.append(f"<code>{esc(inner.strip() or inner)}</code>")
                pos = close.end()
        else:   # "**"
            if strong or any(c.group(0) == "**" for c in pieces[k + 1:]):
                out.append("</strong>" if strong else "<strong>")
                strong = not strong
            else:
                out.append("**")
            pos = m.end()
        k += 1
    out.append(esc(text[pos:]))
    if strong:
        out.append("</strong>")
    return "".join(out)


def markdown_to_html(md: str) -> str:
    lines = md.split("\n")
    out: list[str] = []
    para: list[str] = []
    in_list = False

    def flush() -> None:
        nonlocal in_list
        if para:
            out.append("<p>" + "<br>\n".join(_inline(p.rstrip()) for p in para) + "</p>")
            para.clear()
        if in_list:
            out.append("</ul>")
            in_list = False

    i = 0
    while i < len(lines):
        line = lines[i]
        fence = re.match(r"^ {0,3}(`{3,})[^`]*$", line)
        if fence:
            flush()
            mark, body = fence.group(1), []
            i += 1
            while i < len(lines) and not re.match(r"^ {0,3}" + mark + r"`*\s*$", lines[i]):
                body.append(lines[i])
                i += 1
            out.append("<pre><code>" + esc("\n".join(body)) + "</code></pre>")
            i += 1
            continue
        heading = re.match(r"^(#{1,6}) (.*)$", line)
        if heading:
            flush()
            level = len(heading.group(1))
            out.append(f"<h{level}>{_inline(heading.group(2).strip())}</h{level}>")
        elif line.strip() == "---":
            flush()
            out.append("<hr>")
        elif line.startswith("- "):
            if para:
                flush()
            if not in_list:
                out.append("<ul>")
                in_list = True
            out.append(f"<li>{_inline(line[2:])}</li>")
        elif not line.strip():
            flush()
        else:
            if in_list:
                flush()
            para.append(line)
        i += 1
    flush()
    return "\n".join(out)


# -- summary.html ------------------------------------------------------------------------

def _bars(rows: list[tuple[str, float, str]], cls: str = "") -> str:
    """A table of labelled bars: (label, share 0..1, text)."""
    body = "".join(f"<tr><td>{esc(label)}</td><td><span class=\"bar {cls}\" style=\"width:{share * 20:.2f}em\">"
                   f"</span></td><td class=\"n\">{esc(text)}</td></tr>" for label, share, text in rows)
    return f"<table>{body}</table>"


def _list(items: list[str], none: str = "<p>None.</p>") -> str:
    if not items:
        return none
    return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


def summary_html(results: "gb.ClassResults", stats: "gb.ClassStats", names: dict[str, str]) -> str:
    lang = results.lang

    def say(key: str, **values) -> str:
        return gb.say(lang, key, **values)

    t = say
    parts = [f"<h1>{esc(t('summary'))}</h1>",
             f"<p>{esc(t('html_counts', students=len(results.students), graded=len(stats.totals), functions=len(results.columns), points=gb.points(stats.max_total)))}</p>"]
    dist = gb.distribution([v for _, v in stats.totals], stats.max_total, 10)
    most = max((n for *_, n in dist), default=0) or 1
    parts += [f"<h2>{esc(t('distribution'))}</h2>",
              _bars([(f"{gb.points(lo)}–{gb.points(hi)}", n / most, str(n)) for lo, hi, n in dist])]
    parts += [f"<h2>{esc(t('html_pass_rate'))}</h2>",
              _bars([(c.title, p / n if n else 0, f"{100 * p / n:.0f} % ({p}/{n})" if n else "–")
                     for c, p, n in stats.pass_rates], "ok")]
    rows = "".join(f"<tr><td class=\"n\">{n}</td><td>{esc(fn)}</td><td><code>{esc(kind)}</code></td>"
                   f"<td>{esc(text)}</td></tr>" for n, fn, kind, text in stats.failures)
    count, function, kind = (esc(h) for h in korean.message(gb.TEXT, lang, "html_failure_head"))
    none = f"<p>{esc(t('none'))}</p>"
    parts += [f"<h2>{esc(t('failures'))}</h2>",
              f"<table><tr><th>{count}</th><th>{function}</th><th>{kind}</th><th></th></tr>{rows}</table>"
              if rows else none]
    parts += [f"<h2>{esc(t('html_crashes'))}</h2>", _list([f"{s}: {w}: {y}" for s, w, y in stats.crashes], none)]
    parts += [f"<h2>{esc(t('not_graded'))}</h2>", _list([f"{st.id}: {why}" for st, why in stats.not_graded], none)]
    parts += [f"<h2>{esc(t('empty'))}</h2>", _list([st.id for st in stats.empty], none)]
    parts += [f"<h2>{esc(t('absent'))}</h2>",
              _list([f"{st.id} ({st.name})" if st.name else st.id for st in stats.absent], none)]
    parts += [f"<h2>{esc(t('cells'))}</h2>", _list([f"{s}: {n}" for s, n in stats.cells], none)]
    totals = {st.id: v for st, v in stats.totals}
    parts += [f"<h2>{esc(t('similar'))}</h2>",
              _list([t("html_pair", pct=f"{100 * sc:.0f}", a=a, ta=gb.points(totals.get(a, 0)), b=b,
                       tb=gb.points(totals.get(b, 0))) for a, b, sc in stats.similar], none)]
    parts += [f"<h2>{esc(t('unreadable'))}</h2>", _list([gb.problem_text(p, lang) for p in results.problems], none)]
    parts += [f"<h2>{esc(t('ta_notes'))}</h2>", _list([gb.problem_text(p, lang) for p in results.ta_notes], none)]
    # the students
    exercises = results.exercises
    head = [*korean.message(gb.TEXT, lang, "html_student_head")] + exercises + [say("html_total")]
    types = ["text", "text", "text"] + ["number"] * (len(exercises) + 1)
    ths = "".join(f"<th data-col=\"{i}\" data-type=\"{t}\"{' class=n' if t == 'number' else ''}>{esc(h)}</th>"
                  for i, (h, t) in enumerate(zip(head, types)))
    body = []
    def _status(code) -> str:
        return say(f"status_{code}") if f"status_{code}" in gb.TEXT["en"] else str(code)

    for st in results.students:
        cells = [f"<td data-v=\"{esc(st.id)}\"><a href=\"feedback/{esc(names[st.id])}.html\">{esc(st.id)}</a></td>",
                 f"<td data-v=\"{esc(st.name)}\">{esc(st.name)}</td>",
                 f"<td data-v=\"{esc(st.status)}\">{esc(_status(st.status))}</td>"]
        for ex in exercises:
            score = results.results.get((st.id, ex), {}).get("score", 0.0)
            cells.append(f"<td class=\"n\" data-v=\"{score:g}\">{esc(gb.points(score))}</td>")
        t = gb.total(results, st.id)
        cells.append(f"<td class=\"n\" data-v=\"{t:g}\">{esc(gb.points(t))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    parts += [f"<h2>{esc(say('html_students'))}</h2>", f"<p>{esc(say('html_sort'))}</p>",
              f"<table class=\"sortable\" id=\"students\"><thead><tr>{ths}</tr></thead>"
              f"<tbody>\n{chr(10).join(body)}\n</tbody></table>"]
    return page(say("summary"), "\n".join(parts), script=True, lang=lang)
