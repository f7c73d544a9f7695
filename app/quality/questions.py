"""The feedback questions, asked the same way online, by phone and by the provider.

They follow the CQC key questions in plain English; each has a rating and free text. The keys
are stored with every answer, so a question's wording may change without breaking the
comparison of baseline and follow-up answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    hint: str


QUESTIONS = (
    Question("safe", "Do you feel safe at the home?",
             "Think about the people, the building and how you are looked after."),
    Question("caring", "Are the staff kind and caring?",
             "For example, do they treat you with respect and listen to you."),
    Question("needs_met", "Are your needs met?",
             "For example, help with eating, medicines, washing and getting about."),
    Question("well_led", "Is the home well run?",
             "For example, do you know who is in charge and are problems sorted out."),
    Question("changed", "Has anything changed recently?",
             "Tell us if things have got better or worse."),
)
QUESTION_KEYS = tuple(question.key for question in QUESTIONS)


class Rating(StrEnum):
    GOOD = "good"
    MIXED = "mixed"
    POOR = "poor"
    NOT_SURE = "not_sure"

    @property
    def label(self) -> str:
        return {
            Rating.GOOD: "Good", Rating.MIXED: "Some good, some bad", Rating.POOR: "Poor",
            Rating.NOT_SURE: "I do not know",
        }[self]


# The ratings the comparison counts; "I do not know" is listed in the table but not charted.
CHARTED = (Rating.GOOD, Rating.MIXED, Rating.POOR)


class Helper(StrEnum):
    ADVOCATE = "advocate"
    IMCA = "imca"
    INTERPRETER = "interpreter"
    FAMILY = "family"
    STAFF = "staff"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            Helper.ADVOCATE: "An advocate", Helper.IMCA: "An IMCA (independent mental capacity advocate)",
            Helper.INTERPRETER: "An interpreter", Helper.FAMILY: "A family member or friend",
            Helper.STAFF: "Someone from the council", Helper.OTHER: "Someone else",
        }[self]
