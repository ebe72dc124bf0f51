"""The quizzes of the test content tree (tests/fixtures/content), as the site has them, and the answers a learner
who knows them, or gets every question wrong, submits."""

from __future__ import annotations

import json

from tests.catalog_dirs import FIXTURE_CONTENT


def content_quiz(module: str) -> dict:
    return json.loads((FIXTURE_CONTENT / "modules" / module / "quiz.json").read_text())


def right_answers(quiz: dict) -> list[dict]:
    return [{"id": q["id"], "value": q["correct_answer"]} for q in quiz["questions"]]


def wrong_answers(quiz: dict) -> list[dict]:
    return [
        {"id": q["id"], "value": next(o["id"] for o in q["options"] if o["id"] != q["correct_answer"])}
        for q in quiz["questions"]
    ]
