"""Canvas QTI 1.2: a zip of ``imsmanifest.xml`` and one assessment per sheet.

Items carry Canvas's ``qtimetadata`` field ``question_type``
(``multiple_choice_question`` or ``numerical_question``) and
``points_possible``; every wrong answer has item feedback naming its
misconception. The zip is deterministic: sorted entries, fixed timestamps.
"""
from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Sequence
from xml.sax.saxutils import escape, quoteattr

from .lms import category_name, feedback, is_numerical, question_html, value_html, wrong_values
from .model import Question, Sheet

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_QTI_NS = ('xmlns="http://www.imsglobal.org/xsd/ims_qtiasiv1p2" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xsi:schemaLocation="http://www.imsglobal.org/xsd/ims_qtiasiv1p2 '
           'http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd"')


def _ident(*parts: object) -> str:
    """A stable identifier (Canvas uses 'g' + 32 hex digits)."""
    return "g" + hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:32]


def _field(label: str, entry: str) -> str:
    return (f"<qtimetadatafield><fieldlabel>{label}</fieldlabel>"
            f"<fieldentry>{escape(entry)}</fieldentry></qtimetadatafield>")


def _mattext(text: str, texttype: str = "text/html") -> str:
    return f'<material><mattext texttype="{texttype}">{escape(text)}</mattext></material>'


def _feedback_block(ident: str, text: str) -> str:
    return f'<itemfeedback ident="{ident}"><flow_mat>{_mattext(text)}</flow_mat></itemfeedback>'


def _item(q: Question, sheet: Sheet, aid: str) -> str:
    iid = _ident(aid, q.number)
    numerical = is_numerical(q, sheet)
    qtype = "numerical_question" if numerical else "multiple_choice_question"
    meta = ("<itemmetadata><qtimetadata>" + _field("question_type", qtype) + _field("points_possible", "1.0")
            + _field("assessment_question_identifierref", _ident(iid, "aq")) + "</qtimetadata></itemmetadata>")
    fbs = [_feedback_block("general_fb", q.solution)]
    conds = []
    if numerical:
        resp = ('<response_str ident="response1" rcardinality="Single">'
                '<render_fib fibtype="Decimal"><response_label ident="answer1"/></render_fib></response_str>')
        for i, (value, tag) in enumerate(wrong_values(q, sheet)):
            fid = f"wrong{i}_fb"
            fbs.append(_feedback_block(fid, feedback(q, tag)))
            conds.append(f'<respcondition continue="Yes"><conditionvar><varequal respident="response1">{value}'
                         f'</varequal></conditionvar><displayfeedback feedbacktype="Response" linkrefid="{fid}"/>'
                         "</respcondition>")
        conds.append('<respcondition continue="No"><conditionvar><or>'
                     f'<varequal respident="response1">{q.answer}</varequal>'
                     f'<and><vargte respident="response1">{q.answer}</vargte>'
                     f'<varlte respident="response1">{q.answer}</varlte></and>'
                     '</or></conditionvar><setvar action="Set" varname="SCORE">100</setvar></respcondition>')
    else:
        labels = []
        for c in q.choices:
            cid = f"{iid}_{c.letter}"
            labels.append(f'<response_label ident="{cid}">{_mattext(value_html(c.value))}</response_label>')
            if c.tag:
                fbs.append(_feedback_block(f"{cid}_fb", feedback(q, c.tag)))
                conds.append(f'<respcondition continue="Yes"><conditionvar><varequal respident="response1">{cid}'
                             f'</varequal></conditionvar><displayfeedback feedbacktype="Response" '
                             f'linkrefid="{cid}_fb"/></respcondition>')
        correct = f"{iid}_{q.correct_letter}"
        conds.append(f'<respcondition continue="No"><conditionvar><varequal respident="response1">{correct}'
                     '</varequal></conditionvar><setvar action="Set" varname="SCORE">100</setvar></respcondition>')
        resp = ('<response_lid ident="response1" rcardinality="Single"><render_choice>'
                + "".join(labels) + "</render_choice></response_lid>")
    general = '<respcondition continue="Yes"><conditionvar><other/></conditionvar>' \
              '<displayfeedback feedbacktype="Response" linkrefid="general_fb"/></respcondition>'
    return (f'<item ident="{iid}" title={quoteattr(f"{q.number}. {q.kind}")}>{meta}'
            f"<presentation>{_mattext(question_html(q, sheet))}{resp}</presentation>"
            '<resprocessing><outcomes><decvar maxvalue="100" minvalue="0" varname="SCORE" vartype="Decimal"/>'
            f"</outcomes>{general}{''.join(conds)}</resprocessing>{''.join(fbs)}</item>")


def assessment_xml(sheet: Sheet, aid: str) -> str:
    """One sheet as a QTI 1.2 assessment."""
    title = f"{sheet.title} ({category_name(sheet)})"
    items = "".join(_item(q, sheet, aid) for q in sheet.questions)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<questestinterop {_QTI_NS}>"
            f'<assessment ident="{aid}" title={quoteattr(title)}>'
            "<qtimetadata>" + _field("cc_maxattempts", "1") + "</qtimetadata>"
            f'<section ident="root_section">{items}</section></assessment></questestinterop>\n')


def manifest_xml(aids: Sequence[str], mid: str) -> str:
    """The IMS content package manifest listing each assessment file."""
    resources = "".join(
        f'<resource identifier="{aid}" type="imsqti_xmlv1p2"><file href="{aid}/{aid}.xml"/></resource>'
        for aid in aids)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<manifest identifier="{mid}" xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            "<metadata><schema>IMS Content</schema><schemaversion>1.1.3</schemaversion></metadata>"
            f"<organizations/><resources>{resources}</resources></manifest>\n")


def render_qti(sheets: Sequence[Sheet]) -> bytes:
    """Sheets as a Canvas QTI 1.2 zip (one assessment per sheet)."""
    entries = {}
    aids = []
    for sheet in sheets:
        aid = _ident("assessment", sheet.code, sheet.student_id or "")
        aids.append(aid)
        entries[f"{aid}/{aid}.xml"] = assessment_xml(sheet, aid)
    entries["imsmanifest.xml"] = manifest_xml(aids, _ident("manifest", *aids))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, entries[name].encode("utf-8"))
    return buf.getvalue()
