"""Permission matrix: each role x inside/outside its subtree x each action."""

from __future__ import annotations

import pytest

from signage.permissions import ACTIONS, ROLE_ACTIONS, ROLES, can, scope_paths

# What each role may do, written out independently of ROLE_ACTIONS so a change to it is caught.
EXPECTED = {
    "admin": set(ACTIONS),
    "editor": {
        "area.view",
        "content.view",
        "schedule.view",
        "board.view",
        "alert.view",
        "content.edit",
        "schedule.edit",
        "board.pair",
    },
    "approver": {
        "area.view",
        "content.view",
        "schedule.view",
        "board.view",
        "alert.view",
        "content.approve",
    },
    "operator": {
        "area.view",
        "content.view",
        "schedule.view",
        "board.view",
        "alert.view",
        "alert.send",
    },
    "viewer": {
        "area.view",
        "content.view",
        "schedule.view",
        "board.view",
        "alert.view",
        "audit.view",
        "report.view",
    },
}


def test_expected_matches_declared_roles():
    assert set(EXPECTED) == set(ROLES)
    for role in ROLES:
        assert set(ROLE_ACTIONS[role]) == EXPECTED[role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_matrix(factory, tree, role, action):
    user = factory.user(f"u-{role}", (role, tree["hn"]))
    allowed = action in EXPECTED[role]
    # Inside the subtree: the granted area itself, a ward below it, a village below that.
    for area in (tree["hn"], tree["hk"], tree["village"]):
        assert can(user, action, area) is allowed, (role, action, area.code)
    # Outside: a sibling province, its commune, and the root above the grant.
    for area in (tree["hp"], tree["hp_commune"], tree["vn"]):
        assert can(user, action, area) is False, (role, action, area.code)
    # Installation-wide objects need a grant on the root.
    assert can(user, action, None) is False


def test_root_grant_covers_everything_and_installation_wide(factory, tree):
    admin = factory.user("root-admin", ("admin", tree["vn"]))
    for area in tree.values():
        assert can(admin, "user.manage", area)
    assert can(admin, "template.manage", None)


def test_several_grants_combine(factory, tree):
    user = factory.user("multi", ("editor", tree["hk"]), ("approver", tree["hp"]))
    assert can(user, "content.edit", tree["village"])
    assert not can(user, "content.edit", tree["hp_commune"])
    assert can(user, "content.approve", tree["hp_commune"])
    assert not can(user, "content.approve", tree["hk"])


def test_inactive_user_may_do_nothing(factory, tree):
    user = factory.user("gone", ("admin", tree["vn"]), active=False)
    assert not can(user, "area.view", tree["hn"])
    assert scope_paths(user, "area.view") == []


def test_scope_paths_are_minimal(factory, tree):
    user = factory.user("nested", ("viewer", tree["hn"]), ("admin", tree["hk"]))
    assert scope_paths(user, "area.view") == [tree["hn"].path]
    assert scope_paths(user, "user.manage") == [tree["hk"].path]


def test_unknown_action_is_a_programming_error(factory, tree):
    user = factory.user("x", ("admin", tree["vn"]))
    with pytest.raises(ValueError):
        can(user, "content.destroy", tree["hn"])


def test_sibling_path_prefix_is_not_inside(factory, tree):
    # Area ids 1 and 12 share a textual prefix; paths end with '/' so '/1/' never matches '/12/'.
    a = factory.area("X1", "X1", parent=tree["vn"])
    b = factory.area("X12", "X12", parent=tree["vn"])
    user = factory.user("pfx", ("editor", a))
    assert not b.path.startswith(a.path)
    assert not can(user, "content.edit", b)
