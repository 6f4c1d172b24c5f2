"""Model factories for tests: areas, users with grants, API tokens."""

from __future__ import annotations

import secrets
from functools import cache

from sqlalchemy.orm import Session

from signage.accounts.models import Grant, User
from signage.accounts.services import hash_password
from signage.accounts.tokens import create_token
from signage.areas.models import Area
from signage.audit.services import SYSTEM
from signage.clock import system_clock

PASSWORD = "correct-horse-battery"


@cache
def _password_hash() -> str:
    # argon2 is slow on purpose; hash the shared test password once.
    return hash_password(PASSWORD)


class Factory:
    """Creates rows in the test transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def area(
        self,
        code: str,
        name: str,
        kind: str = "custom",
        parent: Area | None = None,
        official: bool = False,
    ) -> Area:
        area = Area(
            code=code,
            name=name,
            kind=kind,
            parent=parent,
            official=official,
            depth=0 if parent is None else parent.depth + 1,
        )
        self.session.add(area)
        self.session.flush()
        area.path = f"{parent.path if parent else '/'}{area.id}/"
        self.session.flush()
        return area

    def tree(self) -> dict[str, Area]:
        vn = self.area("VN", "Việt Nam", "country", official=True)
        hn = self.area("01", "Thành phố Hà Nội", "municipality", vn, official=True)
        hk = self.area("00070", "Phường Hoàn Kiếm", "ward", hn, official=True)
        village = self.area("00070-T1", "Tổ dân phố 1", "residential_group", hk)
        bd = self.area("00004", "Phường Ba Đình", "ward", hn, official=True)
        hp = self.area("31", "Thành phố Hải Phòng", "municipality", vn, official=True)
        hp_commune = self.area("11311", "Phường Hồng Bàng", "ward", hp, official=True)
        return {
            "vn": vn,
            "hn": hn,
            "hk": hk,
            "village": village,
            "bd": bd,
            "hp": hp,
            "hp_commune": hp_commune,
        }

    def user(
        self,
        username: str | None = None,
        *grants: tuple[str, Area],
        active: bool = True,
        locale: str = "vi",
    ) -> User:
        user = User(
            username=username or f"user{secrets.token_hex(3)}",
            password_hash=_password_hash(),
            security_stamp=secrets.token_hex(16),
            is_active=active,
            locale=locale,
        )
        self.session.add(user)
        for role, area in grants:
            self.session.add(Grant(user=user, role=role, area=area))
        self.session.flush()
        self.session.refresh(user)
        return user

    def token(self, user: User, **kwargs) -> str:
        _row, secret = create_token(self.session, SYSTEM, user, now=system_clock(), **kwargs)
        self.session.flush()
        return secret

    def bearer(self, user: User) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user)}"}
