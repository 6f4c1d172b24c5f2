"""Content fixtures: editors and approvers on the test tree, helpers for media and row counts."""

from __future__ import annotations

import pytest

from signage.storage import MediaStore


@pytest.fixture(autouse=True)
def english(app) -> None:
    app.config["SIGNAGE"].default_locale = "en"


@pytest.fixture()
def store(app) -> MediaStore:
    return app.extensions["signage_media"]


@pytest.fixture()
def hk_editor(factory, tree):
    return factory.user("hk-editor", ("editor", tree["hk"]), locale="en")


@pytest.fixture()
def hn_approver(factory, tree):
    return factory.user("hn-approver", ("approver", tree["hn"]), locale="en")


@pytest.fixture()
def hp_approver(factory, tree):
    return factory.user("hp-approver", ("approver", tree["hp"]), locale="en")


@pytest.fixture()
def editor_approver(factory, tree):
    """Someone who may both write and approve in Hoàn Kiếm."""
    return factory.user("hk-both", ("editor", tree["hk"]), ("approver", tree["hk"]), locale="en")
