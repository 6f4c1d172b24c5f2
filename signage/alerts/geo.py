"""Is a board inside a CAP area? Polygons by ray casting, circles by great-circle distance."""

from __future__ import annotations

import math
from collections.abc import Sequence

from signage.alerts.cap.message import CapArea

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG), the usual choice for haversine


def point_in_polygon(lat: float, lon: float, ring: Sequence[tuple[float, float]]) -> bool:
    """True if (lat, lon) lies inside the ring of (lat, lon) points (even-odd ray casting)."""
    inside = False
    count = len(ring)
    if count < 3:
        return False
    j = count - 1
    for i in range(count):
        lat_i, lon_i = ring[i]
        lat_j, lon_j = ring[j]
        # Cast a ray towards increasing longitude; count the edges it crosses.
        if (lat_i > lat) != (lat_j > lat):
            crossing = lon_i + (lat - lat_i) * (lon_j - lon_i) / (lat_j - lat_i)
            if lon < crossing:
                inside = not inside
        j = i
    return inside


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two WGS 84 points, in km (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def within_circle(lat: float, lon: float, circle: tuple[float, float, float]) -> bool:
    """True if (lat, lon) is no farther than the radius (km) from the circle's centre."""
    centre_lat, centre_lon, radius_km = circle
    return distance_km(lat, lon, centre_lat, centre_lon) <= radius_km


def area_contains(area: CapArea, lat: float, lon: float) -> bool:
    """True if any polygon or circle of the area contains the point (geocodes are not geometry)."""
    return any(point_in_polygon(lat, lon, ring) for ring in area.polygons) or any(
        within_circle(lat, lon, circle) for circle in area.circles
    )
