"""Audit entries as sentences people read: "Nguyễn Văn A đã phê duyệt tin «Lịch tiêm chủng»".

One sentence per action code (SENTENCES, translated through the catalogue); the actor by full
name, objects by name and code (signage.audit.views.objects, looked up in batches), details
such as alert targets "area:6" by the names of what they point at."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from signage.accounts.scopes import SCOPES
from signage.audit.models import AuditEntry
from signage.audit.views.objects import KINDS, TARGET_BY_CODE, TARGET_BY_ID, Found, Names
from signage.http.labels import role_label

CREATED = _l("%(actor)s created %(object)s")
CREATED_IN = _l("%(actor)s created %(object)s in %(area)s")
DELETED = _l("%(actor)s deleted %(object)s")

SENTENCES: dict[str, Any] = {
    "login.succeeded": _l("%(actor)s signed in"),
    "login.failed": _l("Failed sign-in as %(actor)s (failure %(failures)s in a row)"),
    "login.locked": _l("%(actor)s was refused sign-in: the account is locked"),
    "login.throttled": _l("%(actor)s was refused sign-in: too many failed attempts, must wait"),
    "logout": _l("%(actor)s signed out"),
    "user.lock": _l("%(object)s was locked after failed sign-ins"),
    "user.sessions_ended": _l("%(actor)s signed %(object)s out everywhere"),
    "user.create": CREATED,
    "user.update": _l("%(actor)s changed %(fields)s of %(object)s"),
    "user.password": _l("%(actor)s changed the password of %(object)s"),
    "user.activate": _l("%(actor)s activated %(object)s"),
    "user.deactivate": _l("%(actor)s deactivated %(object)s"),
    "grant.add": _l("%(actor)s granted %(object)s the role %(role)s in %(grant_area)s"),
    "grant.remove": _l("%(actor)s withdrew the role %(role)s in %(grant_area)s from %(object)s"),
    "token.create": _l("%(actor)s created %(object)s for %(user)s (rights: %(scopes)s)"),
    "token.revoke": _l("%(actor)s revoked %(object)s"),
    "area.import": _l(
        "%(actor)s imported the official areas (%(created)s new, %(updated)s updated)"
    ),
    "area.create": CREATED,
    "area.move": _l("%(actor)s moved %(object)s under %(to)s"),
    "area.fallback_playlist": _l(
        "%(actor)s set the fallback playlist of %(object)s to %(playlist)s"
    ),
    "area.fallback_playlist/none": _l("%(actor)s removed the fallback playlist of %(object)s"),
    "board.create": CREATED_IN,
    "board.update": _l("%(actor)s changed %(object)s"),
    "board.delete": DELETED,
    "board.import": _l("%(actor)s imported %(boards)s boards from a CSV file"),
    "board.token_issue": _l("%(actor)s issued a player token for %(object)s"),
    "board.token_revoke": _l("%(actor)s revoked the player tokens of %(object)s"),
    "board.pair": _l("%(actor)s paired a player with %(object)s"),
    "board.pairing_expired": _l(
        "%(actor)s revoked the token of %(object)s: its pairing was never claimed"
    ),
    "board.command": _l("%(actor)s sent the command “%(command)s” to %(object)s"),
    "group.create": CREATED_IN,
    "group.members": _l(
        "%(actor)s changed the boards of %(object)s (added: %(add)s; removed: %(remove)s)"
    ),
    "content.create": CREATED_IN,
    "content.revise": _l("%(actor)s revised %(object)s (revision %(revision)s)"),
    "content.submit": _l("%(actor)s submitted %(object)s for approval"),
    "content.withdraw": _l("%(actor)s withdrew %(object)s from approval"),
    "content.approve": _l("%(actor)s approved %(object)s"),
    "content.reject": _l("%(actor)s rejected %(object)s"),
    "content.archive": _l("%(actor)s archived %(object)s"),
    "content.refit": _l(
        "%(actor)s changed how %(object)s fills the boards; the boards show the same picture, "
        "so revision %(revision)s kept its approval"
    ),
    "profile.create": CREATED,
    "media.upload": _l("%(actor)s uploaded %(object)s (%(size)s)"),
    "playlist.create": CREATED_IN,
    "playlist.update": _l("%(actor)s set the items of %(object)s: %(items)s"),
    "playlist.delete": DELETED,
    "schedule.save": _l("%(actor)s saved %(object)s: %(playlist)s plays on %(target)s"),
    "schedule.delete": DELETED,
    "alert.create": _l("%(actor)s sent %(object)s to %(targets)s"),
    "alert.create/pending": _l(
        "%(actor)s prepared %(object)s for %(targets)s; it waits for a second person to confirm"
    ),
    "alert.confirm": _l("%(actor)s confirmed %(object)s (version %(version)s)"),
    "alert.update": _l("%(actor)s changed %(object)s (version %(version)s)"),
    "alert.propose": _l("%(actor)s proposed a change to %(object)s (version %(version)s)"),
    "alert.cancel": _l("%(actor)s cancelled %(object)s"),
    "alert.expire": _l("%(object)s expired"),
    "template.save": _l("%(actor)s saved %(object)s"),
    "template.delete": _l("%(actor)s deleted %(object)s"),
    "notification.subscribe": _l("%(actor)s subscribed to offline notices for %(object)s"),
    "notification.unsubscribe": _l("%(actor)s unsubscribed from offline notices for %(object)s"),
    "notification.area_settings": _l("%(actor)s changed the offline notice settings of %(object)s"),
}
UNKNOWN_ACTION = _l("%(actor)s changed %(object)s")

# Filter choices on the page: a kind of action and the codes it covers (by prefix).
ACTION_KINDS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "signin": (_l("Sign-in and sign-out"), ("login.", "logout")),
    "user": (_l("Users and roles"), ("user.", "grant.")),
    "token": (_l("API tokens"), ("token.",)),
    "area": (_l("Areas"), ("area.",)),
    "board": (_l("Boards and players"), ("board.", "group.", "profile.")),
    "content": (_l("Content and approval"), ("content.", "media.")),
    "schedule": (_l("Playlists and schedules"), ("playlist.", "schedule.")),
    "alert": (_l("Emergency bulletins"), ("alert.", "template.")),
    "notification": (_l("Offline notices"), ("notification.",)),
}

FIELD_LABELS: dict[str, Any] = {
    "display_name": _l("Full name"),
    "email": _l("Email"),
    "locale": _l("Language"),
}
COMMAND_LABELS: dict[str, Any] = {
    "reload": _l("Reload"),
    "screenshot": _l("Screenshot"),
    "identify": _l("Identify"),
}
# Who acts when no person does: jobs, the demo seeding, the command line, an upstream CAP feed.
SYSTEM_ACTORS = {"system", "scheduler", "seed-demo"}
DELETES = {"board.delete", "playlist.delete", "schedule.delete"}
LIST_MAX = 10


@dataclass(frozen=True)
class Described:
    """An entry as people read it."""

    entry: AuditEntry
    sentence: str
    actor: str
    object_label: str
    object_name: str
    object_code: str
    object_deleted: bool
    area: str
    area_code: str


class _Params(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "—"


def _want(names: Names, entry: AuditEntry) -> None:
    details = entry.details if isinstance(entry.details, dict) else {}
    names.want("user", entry.actor_id)
    names.want(entry.object_type, entry.object_id)
    names.want("area.id", entry.area_id)
    for key in ("area", "to"):
        names.want("area", details.get(key))
    names.want("playlist", details.get("playlist"))
    for item in _list(details.get("items")):
        names.want("content_item", item)
    if entry.action == "group.members":
        for code in _list(details.get("add")) + _list(details.get("remove")):
            names.want("board", code)
    for target in _list(details.get("targets")):
        kind, _sep, key = str(target).partition(":")
        names.want(TARGET_BY_ID.get(kind, ""), key)
    kind, _sep, key = str(details.get("target", "")).partition(":")
    names.want(TARGET_BY_CODE.get(kind, ""), key)


def _list(value: Any) -> list[Any]:
    return list(value)[:50] if isinstance(value, list) else []


def phrase(
    kind: str, found: Found | None, name: str = "", code: str = "", *, gone_ok: bool = False
) -> str:
    """An object in a sentence: 'board «Chợ Hôm» (code B-001)', 'deleted board «Chợ Hôm»'."""
    spec = KINDS.get(kind)
    if spec is None:
        return _("an object")
    noun, label = str(spec.noun), str(spec.code_label)
    if name == code:
        name = ""  # a user without a full name: "user (username nva)", not the name twice
    if found is not None:
        name, code = ("" if found.name == found.code else found.name), found.code
    elif not gone_ok:
        if name:
            return _("deleted %(noun)s «%(name)s»", noun=noun, name=name)
        if code:
            return _("deleted %(noun)s (%(label)s %(code)s)", noun=noun, label=label, code=code)
        return _("a deleted %(noun)s", noun=noun)
    if name and code:
        return _(
            "%(noun)s «%(name)s» (%(label)s %(code)s)", noun=noun, name=name, label=label, code=code
        )
    if name:
        return _("%(noun)s «%(name)s»", noun=noun, name=name)
    if code:
        return _("%(noun)s (%(label)s %(code)s)", noun=noun, label=label, code=code)
    return noun


def _named_list(parts: list[str]) -> str:
    if not parts:
        return _("none")
    shown = ", ".join(parts[:LIST_MAX])
    if len(parts) > LIST_MAX:
        shown += " " + _("and %(n)d more", n=len(parts) - LIST_MAX)
    return shown


def _area_name(names: Names, code: Any) -> str:
    found = names.get("area", code)
    return found.name if found else phrase("area", None, code=str(code or ""))


def _actor(entry: AuditEntry, names: Names) -> str:
    user = names.get("user", entry.actor_id) if entry.actor_id is not None else None
    if user is not None:
        return user.name
    label = entry.actor or ""
    if label in SYSTEM_ACTORS:
        return _("System")
    if label.startswith("cli:"):
        return _("System (command line)")
    if label.startswith("cap:"):
        return _("System (CAP feed %(source)s)", source=label[4:])
    if entry.action.startswith("login.") and entry.actor_id is None:
        return f"«{label}»"  # what someone typed in the sign-in form, not a known account
    return label


def _object(entry: AuditEntry, names: Names) -> tuple[str, Found | None, str, str]:
    details = entry.details if isinstance(entry.details, dict) else {}
    kind = entry.object_type
    found = names.get(kind, entry.object_id)
    # What the entry kept of the object, for when it is gone (a command's "name" is not one).
    name = details.get("name") if entry.action != "board.command" else None
    stored = str(name or details.get("headline") or details.get("username") or "")
    code = entry.object_id if kind in ("area", "board", "board_group", "display_profile") else ""
    if kind == "alert_template":
        code = str(details.get("key") or "")
    if kind == "media":
        code = entry.object_id[:12]
    text = phrase(kind, found, stored, code, gone_ok=entry.action in DELETES)
    return text, found, stored, code


def _size(value: Any) -> str:
    size = value if isinstance(value, int) else 0
    if size >= 1024 * 1024:
        return _("%(n).1f MB", n=size / 1024 / 1024)
    return _("%(n)d KB", n=max(1, round(size / 1024)))


def _params(entry: AuditEntry, names: Names, actor: str, obj: str, area: str) -> _Params:
    d = entry.details if isinstance(entry.details, dict) else {}
    p = _Params(actor=actor, object=obj, area=area or _("no area"))
    for key in ("failures", "revision", "version", "created", "updated", "boards"):
        if isinstance(d.get(key), int):
            p[key] = str(d[key])
    if isinstance(d.get("role"), str):
        p["role"] = role_label(d["role"])
    if d.get("area"):
        p["grant_area"] = _area_name(names, d["area"])
    elif area:
        p["grant_area"] = area  # a grant's entry sits in the granted area
    if d.get("to"):
        p["to"] = _area_name(names, d["to"])
    if d.get("user"):
        p["user"] = str(d["user"])
    if isinstance(d.get("scopes"), str):
        scopes = d["scopes"].split()
        p["scopes"] = _named_list(
            [_("every right") if s == "*" else str(SCOPES.get(s, s)) for s in scopes]
        )
    if isinstance(d.get("fields"), list):
        p["fields"] = _named_list([str(FIELD_LABELS.get(f, f)) for f in d["fields"]])
    if isinstance(d.get("name"), str) and entry.action == "board.command":
        p["command"] = str(COMMAND_LABELS.get(d["name"], d["name"]))
    if "playlist" in d:
        p["playlist"] = phrase("playlist", names.get("playlist", d["playlist"]))
    if "items" in d:
        items = [names.get("content_item", i) for i in _list(d["items"])]
        p["items"] = _named_list([f"«{i.name}»" if i else _("a deleted item") for i in items])
    for key in ("add", "remove"):
        if key in d and entry.action == "group.members":
            boards = [phrase("board", names.get("board", c), code=str(c)) for c in _list(d[key])]
            p[key] = _named_list(boards)
    if "targets" in d:
        parts = []
        for target in _list(d["targets"]):
            kind, _sep, key = str(target).partition(":")
            ref = TARGET_BY_ID.get(kind, "")
            found = names.get(ref, key)
            parts.append(found.name if found and ref == "area.id" else phrase(ref, found))
        p["targets"] = _named_list(parts)
    if "target" in d:
        kind, _sep, key = str(d["target"]).partition(":")
        ref = TARGET_BY_CODE.get(kind, "")
        found = names.get(ref, key)
        p["target"] = found.name if found and ref == "area" else phrase(ref, found, code=key)
    if "size" in d:
        p["size"] = _size(d["size"])
    return p


def _template(entry: AuditEntry) -> Any:
    details = entry.details if isinstance(entry.details, dict) else {}
    key = entry.action
    if key == "alert.create" and details.get("needs_confirmation"):
        key = "alert.create/pending"
    elif key == "area.fallback_playlist" and details.get("playlist") is None:
        key = "area.fallback_playlist/none"
    return SENTENCES.get(key, UNKNOWN_ACTION)


def sentence(entry: AuditEntry, names: Names) -> Described:
    """One resolved entry as a sentence (names must already hold what `want` asked for)."""
    actor = _actor(entry, names)
    obj, found, stored, code = _object(entry, names)
    area_found = names.get("area.id", entry.area_id)
    area = area_found.name if area_found else ""
    template = str(_template(entry))
    text = template % _params(entry, names, actor, obj, area)
    comment = (entry.details or {}).get("comment") if isinstance(entry.details, dict) else None
    if isinstance(comment, str) and comment.strip():
        text += " " + _("(comment: «%(comment)s»)", comment=comment.strip()[:500])
    return Described(
        entry=entry,
        sentence=text[:1].upper() + text[1:] if template.startswith("%(object)s") else text,
        actor=actor,
        object_label=obj,
        object_name=found.name if found else stored,
        object_code=found.code if found else code,
        object_deleted=found is None and entry.object_type in KINDS and bool(entry.object_id),
        area=area,
        area_code=area_found.code if area_found else "",
    )


def describe(session: Session, entries: Sequence[AuditEntry]) -> list[Described]:
    """The entries as sentences, every name looked up in one query per kind of object."""
    names = Names()
    for entry in entries:
        _want(names, entry)
    names.resolve(session)
    return [sentence(entry, names) for entry in entries]


def action_kind_prefixes(kind: str) -> tuple[str, ...] | None:
    """The action-code prefixes of a filter kind, or None if the kind is unknown."""
    found = ACTION_KINDS.get(kind)
    return found[1] if found else None
