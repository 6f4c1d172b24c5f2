"""The Engine.IO / Socket.IO framing used by bench/fanout.py's simulated players."""

from __future__ import annotations

import pytest

from bench import sio_wire as wire


def test_connect_and_event_frames() -> None:
    assert wire.connect("/player", {"token": "sgb_x", "protocol": 1}) == (
        '40/player,{"token":"sgb_x","protocol":1}'
    )
    assert wire.connect("/") == "40"
    receipt = {"id": 12, "version": 1, "status": "displayed"}
    assert wire.event("/player", "alert_receipt", receipt) == (
        '42/player,["alert_receipt",{"id":12,"version":1,"status":"displayed"}]'
    )
    assert wire.event("/", "hi", "bảng", ack_id=7) == '427["hi","bảng"]'


def test_decode_server_frames() -> None:
    opened = wire.decode('0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000}')
    assert opened.eio == wire.OPEN and opened.data["pingInterval"] == 25000
    assert wire.decode("2") == wire.Packet(wire.PING)
    joined = wire.decode('40/player,{"sid":"s1"}')
    assert (joined.sio, joined.namespace, joined.data) == (wire.CONNECT, "/player", {"sid": "s1"})
    refused = wire.decode('44/player,{"message":"unauthorized"}')
    assert refused.sio == wire.CONNECT_ERROR and refused.data["message"] == "unauthorized"
    alert = wire.decode('42/player,["alert",{"id":12,"version":1,"headline":"CẢNH BÁO"}]')
    assert alert.event == "alert" and alert.args == [
        {"id": 12, "version": 1, "headline": "CẢNH BÁO"}
    ]
    acked = wire.decode('43/player,5[{"batch_id":"b1"}]')
    assert (acked.sio, acked.ack_id, acked.data) == (wire.ACK, 5, [{"batch_id": "b1"}])
    root = wire.decode('42["state",{}]')
    assert (root.namespace, root.event) == ("/", "state")


def test_round_trip() -> None:
    frame = wire.event("/player", "alert_receipt", {"id": 3, "version": 2, "status": "received"})
    packet = wire.decode(frame)
    assert packet.event == "alert_receipt" and packet.args[0]["version"] == 2


@pytest.mark.parametrize("frame", ["", "9", "4", "49", "42/player,[not json"])
def test_decode_refuses_garbage(frame: str) -> None:
    with pytest.raises(ValueError):
        wire.decode(frame)
