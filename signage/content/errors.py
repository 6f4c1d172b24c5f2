"""Content errors a user can cause, and the one mapping from ingest rejections to them."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from signage.content.ingest import ContentRejected, MediaRejected
from signage.errors import Conflict, DomainError, ValidationFailed


class MediaUnsupported(DomainError):
    status = 415
    code = "unsupported_media"
    default_message = _l("The file is not an image we can use; upload a JPEG, PNG or WebP photo.")


class MediaTooLarge(DomainError):
    status = 413
    code = "media_too_large"
    default_message = _l("The image is too large.")


class TextInvalid(ValidationFailed):
    code = "invalid_text"
    default_message = _l("The text cannot be shown on a public board as written.")


class WrongState(Conflict):
    code = "wrong_state"
    default_message = _l("The item is not in a state that allows this.")


def _mb(n: object) -> str:
    return f"{int(n) / 1024 / 1024:.0f}" if isinstance(n, int) else "?"


def _media_message(code: str, p: dict[str, Any]) -> tuple[type[DomainError], Any]:
    if code == "empty":
        return MediaUnsupported, _l("The file is empty (0 bytes). Choose the photo again.")
    if code == "too_large":
        return MediaTooLarge, _l(
            "The file is larger than %(mb)s MB. Reduce it and upload again.",
            mb=_mb(p.get("max_bytes")),
        )
    if code == "too_many_pixels":
        return MediaTooLarge, _l(
            "The image has more than %(mp)s megapixels. Resize it and upload again.",
            mp=int(p.get("max_pixels", 0)) // 1_000_000,
        )
    if code == "unsupported_format":
        return MediaUnsupported, _l(
            "%(format)s images are not supported; save the picture as JPEG, PNG or WebP.",
            format=p.get("format", "?"),
        )
    if code == "animated":
        return MediaUnsupported, _l("Animated images are not supported; use a still image.")
    if code == "truncated":
        return MediaUnsupported, _l(
            "The image is incomplete or damaged. Export it again and upload the new file."
        )
    return MediaUnsupported, _l(
        "The file is not an image (whatever its name says). Upload a JPEG, PNG or WebP photo."
    )


def _text_message(code: str, p: dict[str, Any]) -> Any:
    if code == "bidi_control":
        return _l(
            "Remove the invisible direction control %(char)s at position %(pos)s.",
            char=p.get("char", "?"),
            pos=p.get("position", "?"),
        )
    if code == "control_character":
        return _l(
            "Remove the control character %(char)s at position %(pos)s.",
            char=p.get("char", "?"),
            pos=p.get("position", "?"),
        )
    if code == "blank":
        return _l("Write some text; spaces alone are not enough.")
    if code == "too_long":
        return _l(
            "At most %(max)s characters (this has %(n)s).",
            max=p.get("max_len", "?"),
            n=p.get("length", "?"),
        )
    return _l("The text cannot be shown on a public board as written.")


def translate_rejection(exc: ContentRejected) -> DomainError:
    """The domain error, with a translatable message, for an ingest rejection."""
    params = dict(exc.params)
    if isinstance(exc, MediaRejected):
        kind, message = _media_message(exc.code, params)
        error = kind(message)
        error.code = f"media_{exc.code}"
        return error
    field = str(params.get("field", "text"))
    error = TextInvalid(details=[{"field": field, "message": _text_message(exc.code, params)}])
    error.code = f"text_{exc.code}"
    return error
