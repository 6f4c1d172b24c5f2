"""Which boards lie inside a CAP area: polygons, circles, and areas combining them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signage.alerts.cap.message import CapArea, parse
from signage.alerts.geo import area_contains, distance_km, point_in_polygon, within_circle
from tests.alerts.capdocs import OASIS_EXAMPLES, STORM

SQUARE = ((10.0, 100.0), (10.0, 101.0), (11.0, 101.0), (11.0, 100.0), (10.0, 100.0))
# A "U" open to the north: the notch between the arms is outside.
U_SHAPE = (
    (0.0, 0.0), (0.0, 3.0), (3.0, 3.0), (3.0, 2.0), (1.0, 2.0),
    (1.0, 1.0), (3.0, 1.0), (3.0, 0.0), (0.0, 0.0),
)  # fmt: skip
HANOI = (21.0285, 105.8542)
HO_CHI_MINH_CITY = (10.7769, 106.7009)


@pytest.mark.parametrize(
    ("lat", "lon", "inside"),
    [
        (10.5, 100.5, True),
        (10.01, 100.99, True),
        (9.99, 100.5, False),
        (10.5, 101.01, False),
        (12.0, 100.5, False),
        (-10.5, -100.5, False),
    ],
)
def test_point_in_square(lat: float, lon: float, inside: bool) -> None:
    assert point_in_polygon(lat, lon, SQUARE) is inside


@pytest.mark.parametrize(
    ("lat", "lon", "inside"),
    [(0.5, 1.5, True), (2.0, 0.5, True), (2.0, 2.5, True), (2.0, 1.5, False), (3.5, 1.5, False)],
)
def test_point_in_concave_polygon(lat: float, lon: float, inside: bool) -> None:
    assert point_in_polygon(lat, lon, U_SHAPE) is inside


def test_ring_orientation_does_not_matter() -> None:
    assert point_in_polygon(10.5, 100.5, tuple(reversed(SQUARE)))


def test_degenerate_ring_contains_nothing() -> None:
    assert not point_in_polygon(10.0, 100.0, ((10.0, 100.0), (10.0, 100.0)))
    assert not point_in_polygon(10.0, 100.0, ())


def test_polygon_from_the_oasis_thunderstorm_warning() -> None:
    ring = parse(OASIS_EXAMPLES[1].read_bytes()).infos[0].areas[0].polygons[0]

    assert point_in_polygon(38.5, -119.95, ring)
    assert not point_in_polygon(38.3, -120.2, ring)


def test_distance_hanoi_to_ho_chi_minh_city() -> None:
    # About 1,140 km as the crow flies.
    assert distance_km(*HANOI, *HO_CHI_MINH_CITY) == pytest.approx(1140, abs=10)


def test_distance_is_symmetric_and_zero_at_the_same_point() -> None:
    assert distance_km(*HANOI, *HANOI) == 0
    assert distance_km(*HANOI, *HO_CHI_MINH_CITY) == distance_km(*HO_CHI_MINH_CITY, *HANOI)


def test_within_circle() -> None:
    # One degree of latitude is about 111.2 km.
    assert within_circle(15.9, 108.0, (15.0, 108.0, 101.0))
    assert not within_circle(15.9, 108.0, (15.0, 108.0, 99.0))


def test_radius_zero_contains_only_the_centre() -> None:
    circle = parse(OASIS_EXAMPLES[2].read_bytes()).infos[0].areas[0].circles[0]

    assert within_circle(32.9525, -115.5527, circle)
    assert not within_circle(32.9526, -115.5527, circle)


def test_circle_across_the_antimeridian() -> None:
    assert within_circle(0.0, 179.9, (0.0, -179.9, 30.0))


def test_area_contains_by_polygon_or_circle() -> None:
    area = parse(STORM.encode()).infos[0].areas[0]

    assert area_contains(area, 15.2, 108.8)  # in the polygon
    assert area_contains(area, 14.75, 108.9)  # only in the 25 km circle
    assert not area_contains(area, 21.0285, 105.8542)  # Hà Nội


def test_area_with_only_geocodes_contains_no_point() -> None:
    area = CapArea(desc="Tỉnh Quảng Ngãi", geocodes=(("VN-PROVINCE", "51"),))

    assert not area_contains(area, 15.2, 108.8)


@settings(database=None, deadline=None, max_examples=150)
@given(
    st.floats(-89, 89),
    st.floats(-179, 179),
    st.floats(0.001, 1),
    st.floats(0.001, 1),
)
def test_every_point_strictly_inside_a_box_is_inside(
    lat: float, lon: float, dlat: float, dlon: float
) -> None:
    box = (
        (lat - dlat, lon - dlon),
        (lat - dlat, lon + dlon),
        (lat + dlat, lon + dlon),
        (lat + dlat, lon - dlon),
        (lat - dlat, lon - dlon),
    )

    assert point_in_polygon(lat, lon, box)
    assert not point_in_polygon(lat + 2 * dlat, lon, box)
