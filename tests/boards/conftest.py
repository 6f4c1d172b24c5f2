"""Board fixtures: English messages and users with board roles."""

from __future__ import annotations

import pytest


@pytest.fixture()
def english(app) -> None:
    app.config["SIGNAGE"].default_locale = "en"


@pytest.fixture()
def admin(factory, tree):
    return factory.user("root-admin", ("admin", tree["vn"]), locale="en")


@pytest.fixture()
def hk_admin(factory, tree):
    return factory.user("hk-admin", ("admin", tree["hk"]), locale="en")
