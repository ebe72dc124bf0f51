"""Completion tasks graded on the server: quiz submissions, lab attestations, and what they add up to.

A quiz is graded against the module's answer key (hhl.learning.catalog.quiz), which never leaves this
module: answers carry the score and pass/fail only. Every attempt is stored with what was submitted;
the task record keeps the best score. Because a score alone reveals, one changed answer at a time,
which options are right, a learner gets ATTEMPTS_PER_WINDOW attempts of a module's quiz per
ATTEMPT_WINDOW (docs/data-model.md says why this number).

A module with required tasks is complete when every one is satisfied (a passed quiz, an attested lab).
Each attempt or attestation is recorded on the module's progress row(s) through hhl.learning.progress,
exactly as POST /progress records it (started, or completed once every required task is satisfied),
so GET /progress, roll-ups, badges and the CRM sync see it. A module in several courses is recorded
under each course that lists it; a module in no course has no progress row to write.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from aws_lambda_powertools.metrics import MetricUnit

from hhl.learning import certificates, progress
from hhl.learning.catalog import LAB_ATTESTATION, QUIZ, Module, Quiz, Task, catalog, is_slug, quiz
from hhl.learning.errors import InvalidInput, NotFoundError, RateLimited
from hhl.learning.validation import COMPLETED, STARTED, ProgressEvent
from hhl.observability import metrics
from hhl.storage import progress as progress_store
from hhl.storage import tasks as store
from hhl.storage.tasks import ATTESTED, FAILED, PASSED, AttemptLimitReached, AttemptRecord, TaskRecord
from hhl.timestamps import parse_utc_timestamp, utc_timestamp

ATTEMPTS_PER_WINDOW = 5
ATTEMPT_WINDOW = timedelta(hours=1)

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
COMPLETE = "complete"
NO_TASKS = "no_tasks"

# The site's quiz form sends every question of a quiz; these bound what a request may carry.
MAX_ANSWERS = 100
MAX_ID_LENGTH = 50
MAX_VALUE_LENGTH = 500
MAX_REF_LENGTH = 100
DEFAULT_ATTEMPTS_SHOWN = 20
MAX_ATTEMPTS_SHOWN = 50


class TooManyAttempts(RateLimited):
    def __init__(self, retry_after_seconds: int):
        minutes = max(1, math.ceil(retry_after_seconds / 60))
        super().__init__(
            f"Too many attempts at this quiz: try again in {minutes} minute{'s' if minutes > 1 else ''}",
            retry_after=retry_after_seconds,
        )


# ------------------------------------------------------------------ requests
@dataclass(frozen=True)
class QuizSubmission:
    module: Module
    task: Task
    quiz: Quiz
    answers: tuple[tuple[str, str], ...]  # (question id, option id), in the quiz's question order


@dataclass(frozen=True)
class LabAttestation:
    module: Module
    task: Task


def _require_slug(value: object, field: str) -> str:
    if value is None or value == "":
        raise InvalidInput(f"{field} query parameter is required")
    if not is_slug(value):
        raise InvalidInput("Invalid request", details={field: "must be a slug"})
    return value


def module_from_query(query: Mapping[str, str]) -> Module:
    """The `module_slug` query parameter's module: missing or malformed is InvalidInput, unknown NotFoundError."""
    module = catalog().module(_require_slug(query.get("module_slug"), "module_slug"))
    if module is None:
        raise NotFoundError("module not found")
    return module


def attempts_shown(query: Mapping[str, str]) -> int:
    """GET /module/progress: 0 with include_attempts=false, else attempts_limit (1-50, default 20)."""
    if query.get("include_attempts") == "false":
        return 0
    raw = query.get("attempts_limit")
    if raw is None:
        return DEFAULT_ATTEMPTS_SHOWN
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_ATTEMPTS_SHOWN:
        raise InvalidInput(f"attempts_limit must be between 1 and {MAX_ATTEMPTS_SHOWN}")
    return int(raw)


def _body_problems(body: Mapping, allowed: tuple[str, ...]) -> dict[str, str]:
    """Unknown fields, named only when the name is a short identifier (never echo hostile input)."""
    named = (name if name.isidentifier() and len(name) <= 64 else "(unnamed)" for name in body if name not in allowed)
    return dict.fromkeys(named, "unknown field")


def _string_field(body: Mapping, name: str, max_length: int, problems: dict[str, str]) -> str | None:
    value = body.get(name)
    if not isinstance(value, str) or not 1 <= len(value) <= max_length:
        problems.setdefault(name, f"must be a string of 1 to {max_length} characters")
        return None
    return value


def _module_field(body: Mapping, problems: dict[str, str]) -> Module | None:
    slug = body.get("module_slug")
    if not is_slug(slug):
        problems.setdefault("module_slug", "must be a slug: lower-case letters and digits in hyphen-separated words")
        return None
    return catalog().module(slug)


def _answers(value: object, the_quiz: Quiz | None, problems: dict[str, str]) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_ANSWERS:
        problems["answers"] = f"must be a list of 1 to {MAX_ANSWERS} answers"
        return ()
    given: dict[str, str] = {}
    for answer in value:
        ok = (
            isinstance(answer, dict)
            and set(answer) == {"id", "value"}
            and isinstance(answer["id"], str)
            and 1 <= len(answer["id"]) <= MAX_ID_LENGTH
            and isinstance(answer["value"], str)
            and len(answer["value"]) <= MAX_VALUE_LENGTH
        )
        if not ok:
            problems["answers"] = 'each answer must be {"id": question id, "value": option id}'
            return ()
        if answer["id"] in given:
            problems["answers"] = "a question is answered more than once"
            return ()
        given[answer["id"]] = answer["value"]
    if the_quiz is None:
        return ()
    questions = {question.id: question for question in the_quiz.questions}
    if any(question_id not in questions for question_id in given):
        problems["answers"] = "names a question this quiz does not have"
    elif any(questions[q].option(v) is None for q, v in given.items() if v):
        problems["answers"] = "chooses an option its question does not have"
    return tuple((q.id, given[q.id]) for q in the_quiz.questions if given.get(q.id))


def _quiz_task(module: Module, quiz_ref: str) -> Task | None:
    return next((t for t in module.tasks if t.type == QUIZ and (t.quiz_ref or t.slug) == quiz_ref), None)


def parse_quiz_submission(body: Mapping) -> QuizSubmission:
    """POST /tasks/quiz/submit's body: {module_slug, quiz_ref, answers: [{id, value}]}; 400 naming every problem."""
    problems = _body_problems(body, ("module_slug", "quiz_ref", "answers"))
    module = _module_field(body, problems)
    quiz_ref = _string_field(body, "quiz_ref", MAX_REF_LENGTH, problems)
    the_quiz = quiz(module.slug) if module is not None else None
    answers = _answers(body.get("answers"), the_quiz, problems)
    if problems:
        raise InvalidInput("Invalid request", details=problems)
    if module is None or the_quiz is None:
        raise InvalidInput("no quiz schema for module")
    task = _quiz_task(module, quiz_ref)
    if task is None:
        raise InvalidInput("quiz_ref not found")
    return QuizSubmission(module, task, the_quiz, answers)


def parse_lab_attestation(body: Mapping) -> LabAttestation:
    """POST /tasks/lab/attest's body: {module_slug, task_slug}; the task must be the module's lab attestation."""
    problems = _body_problems(body, ("module_slug", "task_slug"))
    module = _module_field(body, problems)
    task_slug = _string_field(body, "task_slug", MAX_REF_LENGTH, problems)
    if problems:
        raise InvalidInput("Invalid request", details=problems)
    task = module.task(task_slug) if module is not None else None
    if task is None:
        raise InvalidInput("task not found for module")
    if task.type != LAB_ATTESTATION:
        raise InvalidInput("task is not a lab_attestation type")
    return LabAttestation(module, task)


# ------------------------------------------------------------------ grading and status
def grade(the_quiz: Quiz, answers: Mapping[str, str]) -> int:
    """The score, 0-100: points of the questions answered right over all points, rounded half up."""
    total = sum(question.points for question in the_quiz.questions)
    earned = sum(q.points for q in the_quiz.questions if answers.get(q.id) == q.correct_option_id)
    return (earned * 200 + total) // (2 * total) if total else 0


def is_satisfied(task: Task, record: TaskRecord | None) -> bool:
    if record is None:
        return False
    return record.status == (PASSED if task.type == QUIZ else ATTESTED)


def module_status(module: Module, records: Mapping[str, TaskRecord]) -> str:
    """not_started until a required task has a record; complete when every required task is satisfied.

    A module without required tasks is complete once any of its tasks has a record (it is otherwise
    complete when the learner marks it, which the progress table records).
    """
    required = module.required_tasks
    if not required:
        return COMPLETE if any(task.slug in records for task in module.tasks) else NOT_STARTED
    if all(is_satisfied(task, records.get(task.slug)) for task in required):
        return COMPLETE
    return IN_PROGRESS if any(task.slug in records for task in required) else NOT_STARTED


def _task_summary(record: TaskRecord | None) -> dict:
    if record is None:
        return {"status": NOT_STARTED}
    summary: dict = {"status": record.status, "attempts": record.attempt_count}
    if record.best_score is not None:
        summary["score"] = record.best_score
    return summary


def _by_task(records: list[TaskRecord]) -> dict[str, TaskRecord]:
    return {record.task_slug: record for record in records}


def marked_status(user_id: str, module: Module) -> str:
    """A module without required tasks is as the learner marked it on its progress rows (one Query a course)."""
    rows = [
        row
        for course in catalog().courses_containing(module.slug)
        for row in progress_store.list_course_progress(user_id, course.slug)
        if row.module_slug == module.slug
    ]
    if any(row.completed for row in rows):
        return COMPLETE
    return IN_PROGRESS if rows else NOT_STARTED


def task_status(user_id: str, module: Module) -> dict:
    """GET /tasks/status: the module's status and each declared task's. One Query (two for a complete module;
    a module without required tasks also reads its progress rows, where marking it complete is recorded)."""
    records = _by_task(store.module_task_records(user_id, module.slug))
    status = module_status(module, records)
    if not module.required_tasks and status != COMPLETE:
        status = marked_status(user_id, module)
    body = {
        "module_slug": module.slug,
        "module_status": status,
        "tasks": {task.slug: _task_summary(records.get(task.slug)) for task in module.tasks},
    }
    cert_id = _module_cert_id(user_id, module, status)
    return {**body, "cert_id": cert_id} if cert_id else body


# ------------------------------------------------------------------ writes
def _record_on_progress(user_id: str, module: Module, complete: bool, now: str) -> None:
    """Started (or completed) on the module's progress row in every course that lists it."""
    for course in catalog().courses_containing(module.slug):
        event = ProgressEvent(course, module.slug, COMPLETED if complete else STARTED, now)
        progress.record_progress(user_id, event, now)


def _settle_module(user_id: str, module: Module, now: str) -> dict:
    """After a task write: is the module complete now? Recorded on its progress rows either way.

    A complete module also gets the certificates its completion earns (module, and a course or pathway it
    completes), issued in this request so the answer carries the module's `cert_id`.
    """
    complete = module_status(module, _by_task(store.module_task_records(user_id, module.slug))) == COMPLETE
    _record_on_progress(user_id, module, complete, now)
    if not complete:
        return {"module_complete": False}
    cert_id = certificates.issue_earned(user_id, now).cert_id(certificates.MODULE, module.slug)
    return {"module_complete": True, **({"cert_id": cert_id} if cert_id else {})}


def _module_cert_id(user_id: str, module: Module, status: str) -> str | None:
    """The module's certificate id, read (one Query) only when the module is complete."""
    if status != COMPLETE or not module.awards_certificate:
        return None
    return certificates.held_certificates(user_id).cert_id(certificates.MODULE, module.slug)


def submit_quiz(user_id: str, submission: QuizSubmission, now: datetime) -> dict:
    """Grade, count against the window (429 beyond it), store the attempt, keep the best score, settle the module.

    Writes: one UpdateItem counting the attempt (two when a new window opens), one PutItem for the
    attempt, one more UpdateItem only when the best score rises, one Query of the module's task records,
    then the progress write per course that lists the module; when that completes the module, the
    certificate issuance (two Queries, a PutItem per new certificate).
    """
    at = utc_timestamp(now)
    score = grade(submission.quiz, dict(submission.answers))
    passed = score >= submission.task.passing_score
    window_opened_after = utc_timestamp(now - ATTEMPT_WINDOW)
    try:
        record = store.count_quiz_attempt(
            user_id, submission.module.slug, submission.task.slug, at, window_opened_after, ATTEMPTS_PER_WINDOW
        )
    except AttemptLimitReached as limit:
        raise TooManyAttempts(_seconds_until_window_closes(limit.window_start, now)) from None
    store.append_attempt(
        user_id,
        submission.module.slug,
        submission.task.slug,
        QUIZ,
        at,
        record.attempt_count,
        PASSED if passed else FAILED,
        score,
        submission.answers,
    )
    if record.best_score is None or score > record.best_score:
        store.record_quiz_result(user_id, submission.module.slug, submission.task.slug, score, passed, at)
    metrics.add_metric(name="QuizAttempts", unit=MetricUnit.Count, value=1)
    return {
        "score": score,
        "pass": passed,
        "attempts": record.attempt_count,
        **_settle_module(user_id, submission.module, at),
    }


def _seconds_until_window_closes(window_start: str | None, now: datetime) -> int:
    if window_start is None:
        return 1
    closes = parse_utc_timestamp(window_start) + ATTEMPT_WINDOW
    return max(1, math.ceil((closes - now).total_seconds()))


def attest_lab(user_id: str, attestation: LabAttestation, now: datetime) -> dict:
    """Record the attestation once (a repeat changes nothing) and settle the module.

    The attempt item is keyed by the first attestation's time, so a retry rewrites the same item.
    """
    at = utc_timestamp(now)
    record = store.attest(user_id, attestation.module.slug, attestation.task.slug, at)
    store.append_attempt(
        user_id,
        attestation.module.slug,
        attestation.task.slug,
        LAB_ATTESTATION,
        record.last_attempt_at,
        record.attempt_count,
        ATTESTED,
    )
    return {"attested": True, "task_slug": attestation.task.slug, **_settle_module(user_id, attestation.module, at)}


# ------------------------------------------------------------------ module progress
def _answer_review(the_quiz: Quiz | None, attempt: AttemptRecord) -> list[dict]:
    """The question's stem and the chosen option's text; whether it was right is never said (it is the key)."""
    questions = {question.id: question for question in the_quiz.questions} if the_quiz else {}
    review = []
    for question_id, option_id in attempt.answers:
        question = questions.get(question_id)
        option = question.option(option_id) if question else None
        review.append(
            {
                "question_id": question_id,
                "question_text": question.stem if question else None,
                "submitted_answer_id": option_id,
                "submitted_answer_text": option.text if option else None,
                "is_correct": None,
                "schema_drift": option is None,
            }
        )
    return review


def _attempt_view(the_quiz: Quiz | None, attempt: AttemptRecord) -> dict:
    view: dict = {
        "attempt_id": attempt.attempt_id,
        "task_slug": attempt.task_slug,
        "task_type": attempt.task_type,
        "attempted_at": attempt.attempted_at,
        "outcome": attempt.outcome,
    }
    if attempt.score is not None:
        view["score"] = attempt.score
    if attempt.task_type == QUIZ:
        view["answer_review"] = _answer_review(the_quiz, attempt)
    return view


def _task_view(task: Task, record: TaskRecord | None) -> dict:
    view: dict = {
        "task_slug": task.slug,
        "task_type": task.type,
        "task_title": task.label or task.slug,
        "required": task.required,
        "status": record.status if record else NOT_STARTED,
    }
    if record is not None:
        if record.best_score is not None:
            view["best_score"] = record.best_score
        view["attempt_count"] = record.attempt_count
        if record.last_attempt_at is not None:
            view["last_attempt_at"] = record.last_attempt_at
    if task.type == QUIZ:
        view["passing_score"] = task.passing_score
    return view


def _breadcrumbs(module: Module) -> dict:
    """The first course (by slug) that lists the module, and the first pathway that lists that course."""
    courses = sorted(catalog().courses_containing(module.slug), key=lambda course: course.slug)
    course = courses[0] if courses else None
    pathways = catalog().pathways_containing(course.slug) if course else ()
    pathway = pathways[0] if pathways else None
    return {
        "parent_course_slug": course.slug if course else None,
        "parent_course_title": course.title if course else None,
        "parent_pathway_slug": pathway.slug if pathway else None,
        "parent_pathway_title": pathway.title if pathway else None,
    }


def module_progress(user_id: str, module: Module, attempts_limit: int) -> dict:
    """GET /module/progress: the module's tasks and newest attempts with their answer review.

    One Query, and one more for the certificate id of a complete module that awards one.
    """
    if attempts_limit:
        found, attempts = store.module_history(user_id, module.slug, len(module.tasks), attempts_limit)
    else:
        found, attempts = store.module_task_records(user_id, module.slug), []
    records = _by_task(found)
    has_required = module.is_task_bearing
    the_quiz = quiz(module.slug) if any(a.task_type == QUIZ for a in attempts) else None
    status = module_status(module, records) if has_required else NO_TASKS
    body = {
        "module_slug": module.slug,
        "module_title": module.title,
        "module_status": status,
        "has_required_tasks": has_required,
        "tasks": [_task_view(task, records.get(task.slug)) for task in module.tasks],
        "module_cert_id": _module_cert_id(user_id, module, status),
        "breadcrumbs": _breadcrumbs(module),
    }
    if attempts_limit:
        body["attempts"] = [_attempt_view(the_quiz, attempt) for attempt in attempts]
    return body
