"""API fixtures: users holding roles at the usual places of the test tree, messages in English.

The installation speaks Vietnamese by default; these tests read the English source messages,
so the callers prefer English and so does the installation (for anonymous requests).
"""

from __future__ import annotations

import pytest

from signage.accounts.models import User


@pytest.fixture(autouse=True)
def english(app) -> None:
    app.config["SIGNAGE"].default_locale = "en"


@pytest.fixture()
def root_admin(factory, tree) -> User:
    return factory.user("root-admin", ("admin", tree["vn"]), locale="en")


@pytest.fixture()
def hn_admin(factory, tree) -> User:
    return factory.user("hn-admin", ("admin", tree["hn"]), locale="en")


@pytest.fixture()
def hp_admin(factory, tree) -> User:
    return factory.user("hp-admin", ("admin", tree["hp"]), locale="en")


@pytest.fixture()
def hn_editor(factory, tree) -> User:
    return factory.user("hn-editor", ("editor", tree["hn"]), locale="en")


@pytest.fixture()
def hp_editor(factory, tree) -> User:
    return factory.user("hp-editor", ("editor", tree["hp"]), locale="en")
