"""CAP test documents: a valid Vietnamese storm warning and helpers to derive broken variants."""

from __future__ import annotations

from pathlib import Path

import pytest

from signage.alerts.cap.message import CapError, parse

HERE = Path(__file__).parent / "cap"
OASIS_EXAMPLES = [HERE / f"example{n}.xml" for n in range(1, 5)]

STORM = """<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>VN-KTTV-2026-0042</identifier>
  <sender>canhbao@kttv.gov.vn</sender>
  <sent>2026-11-24T08:00:00+07:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <note>Bản tin số 3</note>
  <info>
    <language>vi-VN</language>
    <category>Met</category>
    <category>Safety</category>
    <event>Bão số 9</event>
    <urgency>Immediate</urgency>
    <severity>Extreme</severity>
    <certainty>Observed</certainty>
    <effective>2026-11-24T08:00:00+07:00</effective>
    <onset>2026-11-24T12:00:00+07:00</onset>
    <expires>2026-11-25T08:00:00+07:00</expires>
    <senderName>Trung tâm Dự báo khí tượng thủy văn quốc gia</senderName>
    <headline>Bão số 9 đổ bộ Quảng Ngãi – Bình Định</headline>
    <description>Gió mạnh cấp 12, giật cấp 15 &amp; mưa rất to (&lt;300 mm).</description>
    <instruction>Di dời người dân khỏi khu vực ven biển trước 12 giờ.</instruction>
    <web>https://nchmf.gov.vn/</web>
    <area>
      <areaDesc>Tỉnh Quảng Ngãi</areaDesc>
      <polygon>15.0,108.5 15.5,108.5 15.5,109.2 15.0,109.2 15.0,108.5</polygon>
      <circle>14.8,108.9 25</circle>
      <geocode>
        <valueName>VN-PROVINCE</valueName>
        <value>51</value>
      </geocode>
    </area>
  </info>
</alert>
"""


def storm(*replacements: tuple[str, str]) -> bytes:
    """The storm warning with each (old, new) replaced once; old must be present."""
    text = STORM
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text.encode("utf-8")


def problems_of(data: bytes) -> list[dict[str, str]]:
    """The problems parse reports for data (which must be refused)."""
    with pytest.raises(CapError) as info:
        parse(data)
    assert info.value.problems, "a CapError must say what is wrong"
    assert str(info.value) == " ".join(p["message"] for p in info.value.problems)
    return info.value.problems


def problem_for(data: bytes, field: str) -> str:
    """The message of the single problem reported for field."""
    found = [p["message"] for p in problems_of(data) if p["field"] == field]
    assert len(found) == 1, (field, problems_of(data))
    return found[0]
