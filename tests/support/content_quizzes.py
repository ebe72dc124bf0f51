"""The quizzes of the test content tree (tests/fixtures/content), as the site has them, and the answers a learner
who knows them, or gets every question wrong, submits."""

from __future__ import annotations

import html
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


def answer_on_the_page(page, choices: dict[str, str]) -> None:
    """Tick one option per question of the theme's quiz form (question id -> option id) and submit it."""
    for question, option in choices.items():
        page.check(f'#hhl-quiz-form .hhl-quiz-question[data-q-id="{question}"] input[value="{option}"]')
    page.click("#hhl-quiz-submit")


def options_html(question: dict) -> str:
    """A question's options as the theme's quiz form has them: one labelled radio button each."""
    return "".join(
        f'<label><input type="radio" name="{html.escape(question["id"])}" value="{html.escape(option["id"])}">'
        f"{html.escape(option['text'])}</label>"
        for option in question["options"]
    )
