"""Charts drawn on the server as SVG: horizontal bars, each labelled with its value, so a chart
reads without colour and the table beside it holds the same figures for screen readers."""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH = 640
LABEL_WIDTH = 260
BAR_HEIGHT = 22
GAP = 10
VALUE_ROOM = 70
# GOV.UK colours: green, red, blue; each segment is also labelled with its count.
SEGMENT_COLOURS = {"met": "#00703c", "late": "#d4351c", "open": "#1d70b8"}
BAR_COLOUR = "#1d70b8"
TEXT = 'font-family="GDS Transport, arial, sans-serif" font-size="16" fill="#0b0c0c"'


def _svg(chart_id: str, title: str, height: int, body: list[str]) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img" '
        f'aria-labelledby="{chart_id}-title" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{chart_id}-title">{escape(title)}</title>{"".join(body)}</svg>'
    )


def _label(y: int, text: str) -> str:
    return (f'<text x="0" y="{y + BAR_HEIGHT - 6}" {TEXT}>'
            f'{escape(text if len(text) <= 32 else text[:31] + "…")}</text>')


def bar_chart(chart_id: str, title: str, rows: list[tuple[str, float | int | None]]) -> Markup:
    """Return one bar per row, its length in proportion to the largest value."""
    top = max((value or 0 for _, value in rows), default=0) or 1
    room = WIDTH - LABEL_WIDTH - VALUE_ROOM
    body = []
    for number, (label, value) in enumerate(rows):
        y = number * (BAR_HEIGHT + GAP)
        length = round(room * (value or 0) / top)
        body.append(_label(y, label))
        body.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" '
                    f'fill="{BAR_COLOUR}"/>')
        shown = "none" if value is None else f"{value:g}"
        body.append(f'<text x="{LABEL_WIDTH + length + 6}" y="{y + BAR_HEIGHT - 6}" {TEXT}>'
                    f'{shown}</text>')
    return _svg(chart_id, title, max(len(rows), 1) * (BAR_HEIGHT + GAP), body)


def stacked_chart(chart_id: str, title: str, rows: list[tuple[str, dict[str, int]]]) -> Markup:
    """Return one bar per row split into met, late and open, each part labelled."""
    top = max((sum(parts.values()) for _, parts in rows), default=0) or 1
    room = WIDTH - LABEL_WIDTH - VALUE_ROOM
    body = []
    for number, (label, parts) in enumerate(rows):
        y = number * (BAR_HEIGHT + GAP)
        x = LABEL_WIDTH
        body.append(_label(y, label))
        for name, colour in SEGMENT_COLOURS.items():
            count = parts.get(name, 0)
            if not count:
                continue
            length = round(room * count / top)
            body.append(f'<rect x="{x}" y="{y}" width="{length}" height="{BAR_HEIGHT}" '
                        f'fill="{colour}"/>')
            if length >= 24:
                body.append(f'<text x="{x + 4}" y="{y + BAR_HEIGHT - 6}" '
                            f'font-family="arial, sans-serif" font-size="14" fill="#ffffff">'
                            f'{count}</text>')
            x += length
        body.append(f'<text x="{x + 6}" y="{y + BAR_HEIGHT - 6}" {TEXT}>'
                    f'{sum(parts.values())}</text>')
    return _svg(chart_id, title, max(len(rows), 1) * (BAR_HEIGHT + GAP), body)
