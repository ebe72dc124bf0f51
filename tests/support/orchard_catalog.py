"""A small invented catalog (compiled form) for the completion-task tests: an orchard course whose pruning module
has a required quiz and a required lab, a grafting module with a quiz only (also listed by a second course, so
its completion lands under both), and a module without tasks; with its answer keys and three sets of answers.
The `orchard` fixture of tests/unit/conftest.py serves it."""

from __future__ import annotations

PRUNING_QUIZ = {
    "quiz_ref": "quiz-1",
    "passing_score": 75,
    "questions": [
        {
            "id": "q1",
            "stem": "When are apple trees pruned?",
            "options": [{"id": "a", "text": "In late winter"}, {"id": "b", "text": "At harvest"}],
            "correct_option_id": "a",
            "points": 1,
        },
        {
            "id": "q2",
            "stem": "Which branches go first?",
            "options": [
                {"id": "a", "text": "The strongest"},
                {"id": "b", "text": "Dead and crossing ones"},
                {"id": "c", "text": "The lowest"},
            ],
            "correct_option_id": "b",
            "points": 1,
        },
        {
            "id": "q3",
            "stem": "What does a clean cut protect against?",
            "options": [{"id": "a", "text": "Disease"}, {"id": "b", "text": "Birds"}],
            "correct_option_id": "a",
            "points": 2,
        },
    ],
}
GRAFTING_QUIZ = {
    "quiz_ref": "graft-quiz",
    "passing_score": 50,
    "questions": [
        {
            "id": "g1",
            "stem": "What is the lower part of a graft called?",
            "options": [{"id": "x", "text": "Rootstock"}, {"id": "y", "text": "Scion"}],
            "correct_option_id": "x",
            "points": 1,
        }
    ],
}
CATALOG = {
    "courses": [
        {"slug": "orchard-care", "title": "Orchard Care", "modules": ["pruning", "grafting", "orchard-walk"]},
        {"slug": "tree-propagation", "title": "Tree Propagation", "modules": ["grafting"]},
    ],
    "pathways": [{"slug": "fruit-grower", "title": "Fruit Grower", "courses": ["orchard-care", "tree-propagation"]}],
    "modules": [
        {
            "slug": "pruning",
            "title": "Pruning Fruit Trees",
            "order": 1,
            "tasks": [
                {"slug": "quiz-1", "type": "quiz", "label": "Pruning Quiz", "passing_score": 75, "quiz_ref": "quiz-1"},
                {"slug": "lab-main", "type": "lab_attestation", "label": "Prune a Branch"},
                {"slug": "check-1", "type": "knowledge_check", "required": False},
            ],
            "awards_certificate": True,
        },
        {
            "slug": "grafting",
            "title": "Grafting",
            "order": 2,
            "tasks": [{"slug": "graft-quiz", "type": "quiz", "passing_score": 50, "quiz_ref": "graft-quiz"}],
        },
        {"slug": "orchard-walk", "title": "An Orchard Walk", "order": 3, "tasks": []},
    ],
}
ANSWER_KEYS = {"quizzes": {"pruning": PRUNING_QUIZ, "grafting": GRAFTING_QUIZ}}
ALL_RIGHT = [{"id": "q1", "value": "a"}, {"id": "q2", "value": "b"}, {"id": "q3", "value": "a"}]
HALF_RIGHT = [{"id": "q1", "value": "a"}, {"id": "q2", "value": "b"}, {"id": "q3", "value": "b"}]  # 2 of 4 points
ALL_WRONG = [{"id": "q1", "value": "b"}, {"id": "q2", "value": "c"}, {"id": "q3", "value": "b"}]
