"""Boards on a map without tiles: located boards projected into an SVG box.

An equirectangular projection scaled by cos(latitude) is exact enough at commune and province
scale; no tiles are needed, so the map works on a closed network."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

MAP_WIDTH = 1000
MAP_LIMIT = 5000  # dots drawn at most (query with .limit(MAP_LIMIT))
MARGIN = 20


def project(rows: Sequence[Any], *, fields: tuple[str, ...] = ()) -> dict[str, Any] | None:
    """Rows with code, name, lat and lon (plus `fields`) as SVG points; None if there are none."""
    if not rows:
        return None
    lats, lons = [r.lat for r in rows], [r.lon for r in rows]
    scale = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_x = max((max(lons) - min(lons)) * scale, 1e-3)
    span_y = max(max(lats) - min(lats), 1e-3)
    k = (MAP_WIDTH - 2 * MARGIN) / max(span_x, span_y)
    height = int(span_y * k) + 2 * MARGIN
    points = []
    for r in rows:
        x = round(MARGIN + (r.lon - min(lons)) * scale * k, 1)
        points.append(
            {
                "code": r.code,
                "name": r.name,
                **{f: getattr(r, f) for f in fields},
                "x": x,
                "y": round(MARGIN + (max(lats) - r.lat) * k, 1),
                # Labels of the eastern dots go to their left, so they stay in the box.
                "anchor": "end" if x > MAP_WIDTH * 0.6 else "start",
            }
        )
    return {"width": MAP_WIDTH, "height": max(height, 200), "points": points}
