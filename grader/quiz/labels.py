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
        "fill_grid": "빈 칸을 채우시오.",
        "answer": "답",
        "solution": "풀이",
        "distractors": "오답과 그 오개념",
        "seed": "시드",
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
        "distractors": "Wrong options and their misconceptions",
        "seed": "seed",
        "sheet_for": "Sheet for",
        "question": "Question",
    },
}


def label(lang: str, key: str) -> str:
    """One label in the sheet's language."""
    return LABELS[lang][key]
