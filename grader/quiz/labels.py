"""The fixed words of a sheet and its key, in Korean and English.

The question wording itself lives in the bank YAML; these are the few
labels around it (headings, name line, key columns).
"""
from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "ko": {
        "name": "이름",
        "student_id": "학번",
        "key": "정답 및 풀이",
        "choose": "하나를 고르시오.",
        "write": "답을 쓰시오.",
        "fill_grid": "빈칸을 채우시오.",
        "answer": "답",
        "solution": "풀이",
        "distractors": "오답과 추정되는 오개념",
        "code": "문제지 코드",
        "sheet_for": "응시자",
        "question": "문제",
    },
    "en": {
        "name": "Name",
        "student_id": "Student ID",
        "key": "Answer key with worked solutions",
        "choose": "Choose one.",
        "write": "Write your answer.",
        "fill_grid": "Fill in the grid.",
        "answer": "Answer",
        "solution": "Solution",
        "distractors": "Wrong answers and their misconceptions",
        "code": "Variant code",
        "sheet_for": "Sheet for",
        "question": "Question",
    },
}


MESSAGES: dict[str, dict[str, str]] = {
    "ko": {
        "wrote": "문제지 {sheets}장(각 {count}문항)을 {fmt} 형식으로 {out}에 저장했습니다.",
        "secret_created": "출제자 비밀 키 파일을 새로 만들었습니다: {path}. 같은 문제지를 다시 만들고 채점하려면 "
                          "이 파일이 있어야 하니 잘 보관하고, 학생에게 주지 마세요.",
        "graded": "{students}명을 채점했습니다. 평균 {mean:.1f}/{count}점. 성적: {out}, 피드백: {feedback}/",
        "common": "가장 많이 나온 오개념: {tags}",
        "warning": "주의: {text}",
        "student_warning": "주의: {student}: {text}",
    },
    "en": {
        "wrote": "wrote {sheets} sheet(s) of {count} question(s) as {fmt} to {out}",
        "secret_created": "created the instructor secret {path}: regenerating and grading these sheets need it; "
                          "keep it, and never give it to students",
        "graded": "graded {students} student(s), mean {mean:.1f}/{count}; grades: {out}; feedback: {feedback}/",
        "common": "most common misconceptions: {tags}",
        "warning": "warning: {text}",
        "student_warning": "warning: {student}: {text}",
    },
}
"""What the quiz commands print on the terminal (kformat templates)."""


def message(lang: str, key: str, **values) -> str:
    """One terminal message in ``lang``, particles chosen by rule."""
    from ..korean import kformat

    return kformat(MESSAGES[lang][key], **values)


def label(lang: str, key: str) -> str:
    """One label in the sheet's language."""
    return LABELS[lang][key]


def question_number(number: int) -> str:
    """How a sheet numbers a question: ``Q10.``, never a bare ``10.`` that runs into a
    question starting with a number (``10. 5×5`` read as ``10.5``)."""
    return f"Q{number}."
