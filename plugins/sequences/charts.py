"""Geometry of the results charts, drawn as inline SVG by the templates (no script, no CDN).

The templates only place what is computed here: every bar, point and label position, in the
coordinates of each chart's ``viewBox`` (the SVG scales to its container). Bands are told apart
by patterns and printed labels as well as colour, and every chart has a table beside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from plugins.sequences.results import Scores, WeekPoint, band_of

WIDTH = 520


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # under the bar
    value: str  # above (or beside) the bar
    band: str  # promoter, passive, detractor
    value_x: float = 0.0
    value_y: float = 0.0


def distribution(scores: Scores) -> dict:
    """Eleven bars, score 0 to 10, grouped under their band's name."""
    height, top, bottom, left = 270, 26, 88, 4
    plot = height - top - bottom
    step = (WIDTH - 2 * left) / 11
    biggest = max(scores.nps_counts) or 1
    bars = []
    for score, count in enumerate(scores.nps_counts):
        h = plot * count / biggest
        x = left + score * step + step * 0.12
        bars.append(Bar(x=round(x, 1), y=round(top + plot - h, 1), width=round(step * 0.76, 1),
                        height=round(h, 1), label=str(score), value=str(count),
                        band=band_of("nps", score), value_x=round(x + step * 0.38, 1),
                        value_y=round(top + plot - h - 6, 1)))
    baseline = top + plot
    bands = []
    for name, first, last, count in (("Detractors", 0, 6, scores.detractors),
                                     ("Passives", 7, 8, scores.passives),
                                     ("Promoters", 9, 10, scores.promoters)):
        x1, x2 = left + first * step + 3, left + (last + 1) * step - 3
        bands.append({"name": name, "x1": round(x1, 1), "x2": round(x2, 1),
                      "mid": round((x1 + x2) / 2, 1), "count": count,
                      "range": f"{first}-{last}"})
    return {"width": WIDTH, "height": height, "bars": bars, "bands": bands, "baseline": baseline,
            "score_y": baseline + 22, "band_y": baseline + 34, "band_label_y": baseline + 56,
            "band_count_y": baseline + 78,
            "left": left, "right": WIDTH - left}


def stacked(scores: Scores) -> list[dict]:
    """Promoters, passives and detractors as shares of one 100% bar."""
    total = scores.nps_total
    if not total:
        return []
    segments, x = [], 0.0
    for band, count in (("promoter", scores.promoters), ("passive", scores.passives),
                        ("detractor", scores.detractors)):
        width = WIDTH * count / total
        segments.append({"band": band, "x": round(x, 1), "width": round(width, 1),
                         "count": count})
        x += width
    return segments


def trend(weeks: list[WeekPoint]) -> dict:
    """NPS week by week on a -100..100 scale; weeks without NPS answers break the line."""
    height, top, bottom, left, right = 260, 24, 44, 46, 18
    plot = height - top - bottom
    count = max(len(weeks), 1)
    step = (WIDTH - left - right) / count

    def y_of(value: float) -> float:
        return round(top + plot * (100 - value) / 200, 1)

    points, lines, current = [], [], []
    label_every = max(1, math.ceil(count / 5))
    x_labels = []
    for i, week in enumerate(weeks):
        x = round(left + step * (i + 0.5), 1)
        if i % label_every == 0:
            x_labels.append({"x": x, "text": f"{week.week:%b} {week.week.day}"})
        nps = week.scores.nps
        if nps is None:
            if len(current) > 1:
                lines.append(" ".join(current))
            current = []
            continue
        y = y_of(nps)
        points.append({"x": x, "y": y, "label": f"{nps:+d}" if nps else "0",
                       "label_y": round(y - 8 if nps < 90 else y + 16, 1),
                       "answers": week.scores.nps_total, "week": week.week})
        current.append(f"{x},{y}")
    if len(current) > 1:
        lines.append(" ".join(current))
    grid = [{"y": y_of(v), "label": f"{v:+d}" if v else "0"} for v in (100, 50, 0, -50, -100)]
    return {"width": WIDTH, "height": height, "points": points, "lines": lines, "grid": grid,
            "left": left, "right": WIDTH - right, "x_labels": x_labels,
            "x_label_y": top + plot + 28, "show_labels": count <= 14}
