"""The comparison chart, drawn on the server as SVG: per question, one bar for baseline and
one for follow-up, each split into the share of good, mixed and poor answers.

The chart is for reading at a glance; the table of counts beside it carries the same numbers
for screen readers (the SVG is one labelled image). Each segment also differs by pattern, not
colour alone, and is labelled with its count where it is wide enough.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.quality.questions import CHARTED, Rating
from app.quality.services import QuestionComparison

LABEL_WIDTH = 260
BAR_WIDTH = 400
BAR_HEIGHT = 22
ROW_GAP = 6
QUESTION_GAP = 18
LEGEND_HEIGHT = 34
STYLE = {Rating.GOOD: "app-chart__good", Rating.MIXED: "app-chart__mixed",
         Rating.POOR: "app-chart__poor"}


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    count: int
    css: str
    show_count: bool


@dataclass(frozen=True)
class Bar:
    y: float
    label: str
    answered: int
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class Heading:
    y: float
    text: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    headings: tuple[Heading, ...]
    bars: tuple[Bar, ...]
    legend: tuple[tuple[str, str], ...]


def _segments(counts: dict[Rating, int]) -> tuple[Segment, ...]:
    charted = sum(counts[rating] for rating in CHARTED)
    x, segments = float(LABEL_WIDTH), []
    for rating in CHARTED:
        width = BAR_WIDTH * counts[rating] / charted if charted else 0.0
        if width:
            segments.append(Segment(round(x, 1), round(width, 1), counts[rating], STYLE[rating],
                                    show_count=width >= 18))
        x += width
    return tuple(segments)


def build_chart(questions: list[QuestionComparison]) -> Chart:
    y, headings, bars = float(LEGEND_HEIGHT), [], []
    for question in questions:
        headings.append(Heading(y + 14, question.text))
        y += 22
        for phase in question.phases:
            bars.append(Bar(y, phase.phase.label, phase.answered, _segments(phase.counts)))
            y += BAR_HEIGHT + ROW_GAP
        y += QUESTION_GAP
    legend = tuple((STYLE[rating], rating.label) for rating in CHARTED)
    return Chart(LABEL_WIDTH + BAR_WIDTH + 60, int(y), tuple(headings), tuple(bars), legend)
