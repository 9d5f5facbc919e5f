"""Geometry of the dashboards' horizontal bar charts, drawn by the templates as SVG.

Pure Python: labels, values and where each bar goes. The template writes ``<rect>``s with
``x``/``y``/``width``/``height`` attributes and CSS classes (boardsvc/static/boardsvc/kpi.css),
never a ``style`` attribute or a script, so the charts pass the strict CSP.
"""

from __future__ import annotations

from dataclasses import dataclass, field

WIDTH = 480
LABEL_WIDTH = 170
ROW = 22
BAR = 14
PAD = 6


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str
    css: str = "bar"


@dataclass(frozen=True)
class Mark:
    """A vertical tick across one row (a target)."""

    row: int
    value: float
    text: str


@dataclass
class Chart:
    title: str
    bars: list[Bar]
    marks: list[Mark] = field(default_factory=list)
    scale_max: float = 0.0

    @property
    def plot_width(self) -> int:
        return WIDTH - LABEL_WIDTH - 60

    @property
    def height(self) -> int:
        return PAD * 2 + ROW * max(1, len(self.bars))

    @property
    def width(self) -> int:
        return WIDTH

    def _x(self, value: float) -> float:
        top = self.scale_max or max([b.value for b in self.bars] +
                                    [m.value for m in self.marks] + [1.0])
        return round(self.plot_width * max(0.0, value) / top, 1)

    def drawn(self) -> dict[str, object]:
        """Everything the template needs: bars and marks with their coordinates."""
        bars = []
        for n, bar in enumerate(self.bars):
            y = PAD + n * ROW
            width = self._x(bar.value)
            bars.append({"label": bar.label, "text": bar.text, "css": bar.css,
                         "x": LABEL_WIDTH, "y": y, "width": width, "height": BAR,
                         "text_x": LABEL_WIDTH + width + 4, "text_y": y + BAR - 3,
                         "label_y": y + BAR - 3})
        marks = []
        for mark in self.marks:
            x = LABEL_WIDTH + self._x(mark.value)
            y = PAD + mark.row * ROW
            marks.append({"x": x, "y1": y - 2, "y2": y + BAR + 2, "text": mark.text})
        return {"title": self.title, "width": self.width, "height": self.height,
                "label_x": LABEL_WIDTH - 6, "bars": bars, "marks": marks}
