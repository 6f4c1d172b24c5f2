"""Console: the board page shows the player's status and sends commands, pairs, revokes."""

from __future__ import annotations

from tests.conftest import csrf_token, login
from tests.players_server.conftest import auth, events


def test_board_page_status_and_actions(client, admin, board, player, session, token, connect):
    login(client, "root-admin")
    page = client.get("/boards/HK-1").get_data(as_text=True)
    assert "Online" in page and "test-1" in page and 'id="pair-form"' in page
    csrf = csrf_token(client, "/boards/HK-1")
    player.get_received("/player")
    resp = client.post("/boards/HK-1/command", data={"name": "reload", "csrf_token": csrf})
    assert resp.status_code == 302
    assert [c["name"] for c in events(player, "command")] == ["reload"]
    ticket = client.post("/api/v1/pairing").get_json()
    resp = client.post(
        "/boards/HK-1/pair",
        data={"pairing_code": ticket["pairing_code"], "csrf_token": csrf},
        follow_redirects=True,
    )
    assert "The player was paired" in resp.get_data(as_text=True)
    assert not player.is_connected("/player")  # the old token was replaced
    wrong = client.post(
        "/boards/HK-1/pair",
        data={"pairing_code": "QQQQQQ", "csrf_token": csrf},
        follow_redirects=True,
    )
    assert "No player is waiting" in wrong.get_data(as_text=True)
    new_token = client.get(ticket["poll_url"]).get_json()["token"]
    again = connect(auth(new_token))
    assert again.is_connected("/player")
    resp = client.post("/boards/HK-1/revoke", data={"csrf_token": csrf})
    assert resp.status_code == 302
    assert not again.is_connected("/player")
    page = client.get("/boards/HK-1").get_data(as_text=True)
    assert "Not paired" in page


def test_an_editor_pairs_a_board_of_their_area_but_sees_no_admin_actions(
    client, factory, tree, board, session
):
    factory.user("hk-editor", ("editor", tree["hk"]), locale="en")
    factory.user("bd-editor", ("editor", tree["bd"]), locale="en")
    session.commit()
    login(client, "hk-editor")
    page = client.get("/boards/HK-1").get_data(as_text=True)
    assert 'id="pair-form"' in page and 'id="player-actions"' not in page
    csrf = csrf_token(client, "/boards/HK-1")
    ticket = client.post("/api/v1/pairing").get_json()
    resp = client.post(
        "/boards/HK-1/pair",
        data={"pairing_code": ticket["pairing_code"], "csrf_token": csrf},
        follow_redirects=True,
    )
    assert "The player was paired" in resp.get_data(as_text=True)
    assert client.get(ticket["poll_url"]).get_json()["token"]
    # Commands and token revocation stay with admins.
    assert client.post("/boards/HK-1/revoke", data={"csrf_token": csrf}).status_code == 403

    client.post("/logout", data={"csrf_token": csrf})
    login(client, "bd-editor")  # a ward elsewhere: the board does not exist for them
    other = client.post("/api/v1/pairing").get_json()
    csrf = csrf_token(client, "/")
    resp = client.post(
        "/boards/HK-1/pair", data={"pairing_code": other["pairing_code"], "csrf_token": csrf}
    )
    assert resp.status_code == 404
    assert client.get(other["poll_url"]).get_json().get("token") is None
