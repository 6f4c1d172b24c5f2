"""HTTP side of the protocol: pairing, manifest (ETag), renditions, screenshot upload."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from signage_player import PLAYER_VERSION

log = logging.getLogger(__name__)
TIMEOUT = (5, 30)
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
MAX_FILE_BYTES = 64 * 1024 * 1024


class ApiError(Exception):
    """An HTTP exchange that failed; `status` is 0 for network errors, `code` the error code."""

    def __init__(self, message: str, status: int = 0, code: str = "") -> None:
        super().__init__(message)
        self.status, self.code = status, code


@dataclass(frozen=True)
class Pairing:
    """A pairing request: the code to show and the secret claim id to poll with."""

    code: str
    claim_id: str


def _error(resp: requests.Response) -> ApiError:
    code = ""
    try:
        body = resp.json()
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            code = str(body["error"].get("code", ""))[:64]
    except ValueError:
        pass
    return ApiError(f"HTTP {resp.status_code} {code}".strip(), resp.status_code, code)


class Api:
    """Requests against one server, authenticated with the board token when there is one."""

    def __init__(self, server: str, token: str | None = None) -> None:
        self.server = server.rstrip("/")
        self.token = token
        self.http = requests.Session()
        self.http.headers["User-Agent"] = PLAYER_VERSION

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def _get_limited(self, url: str, limit: int, headers: dict[str, str]) -> requests.Response:
        try:
            resp = self.http.get(url, headers=headers, timeout=TIMEOUT, stream=True)
        except requests.RequestException as exc:
            raise ApiError(f"GET {url}: {exc.__class__.__name__}") from None
        if resp.status_code == 200:
            chunks, size = [], 0
            try:
                for chunk in resp.iter_content(64 * 1024):
                    size += len(chunk)
                    if size > limit:
                        resp.close()
                        raise ApiError(f"GET {url}: more than {limit} bytes", 200, "too_large")
                    chunks.append(chunk)
            except requests.RequestException as exc:
                raise ApiError(f"GET {url}: {exc.__class__.__name__}") from None
            resp._content = b"".join(chunks)
        return resp

    def start_pairing(self) -> Pairing:
        """POST /api/v1/pairing: a code to show and a claim id."""
        try:
            resp = self.http.post(f"{self.server}/api/v1/pairing", json={}, timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise ApiError(f"pairing: {exc.__class__.__name__}") from None
        if resp.status_code != 201:
            raise _error(resp)
        body = _json(resp)
        code, claim = body.get("pairing_code"), body.get("claim_id")
        if not (isinstance(code, str) and 1 <= len(code) <= 16 and code.isalnum()):
            raise ApiError("pairing: bad pairing_code in the answer")
        if not (isinstance(claim, str) and 1 <= len(claim) <= 200):
            raise ApiError("pairing: bad claim_id in the answer")
        return Pairing(code.upper(), claim)

    def poll_pairing(self, claim_id: str) -> tuple[str, str] | None:
        """GET /api/v1/pairing/<claim>: None while pending, (board, token) once paired."""
        url = f"{self.server}/api/v1/pairing/{quote(claim_id, safe='')}"
        try:
            resp = self.http.get(url, timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise ApiError(f"pairing poll: {exc.__class__.__name__}") from None
        if resp.status_code != 200:
            raise _error(resp)
        body = _json(resp)
        if body.get("status") == "paired":
            board, token = body.get("board"), body.get("token")
            if isinstance(board, str) and isinstance(token, str) and 0 < len(token) <= 200:
                return board, token
            raise ApiError("pairing poll: paired without a usable token")
        return None

    def manifest(self, board: str, etag: str | None) -> tuple[str, bytes] | None:
        """GET the board's manifest: (version, raw body), or None when `etag` is current."""
        headers = self._headers()
        if etag:
            headers["If-None-Match"] = f'"{etag}"'
        url = f"{self.server}/api/v1/boards/{quote(board, safe='')}/manifest"
        resp = self._get_limited(url, MAX_MANIFEST_BYTES, headers)
        if resp.status_code == 304:
            return None
        if resp.status_code != 200:
            raise _error(resp)
        body = _json(resp)
        version = body.get("version")
        if not isinstance(version, str):
            raise ApiError("manifest: the answer has no version")
        return version, resp.content

    def fetch(self, path: str, limit: int = MAX_FILE_BYTES) -> bytes:
        """GET a file by its server path (e.g. /media/<sha>.png)."""
        if not path.startswith("/") or path.startswith("//"):
            raise ApiError(f"refusing to fetch {path[:100]!r}: not a path on the server")
        resp = self._get_limited(f"{self.server}{path}", limit, self._headers())
        if resp.status_code != 200:
            raise _error(resp)
        return resp.content

    def upload_screenshot(self, board: str, png: bytes) -> str:
        """POST the PNG on screen; the stored screenshot's URL."""
        url = f"{self.server}/api/v1/boards/{quote(board, safe='')}/screenshot"
        headers = {**self._headers(), "Content-Type": "image/png"}
        try:
            resp = self.http.post(url, data=png, headers=headers, timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise ApiError(f"screenshot: {exc.__class__.__name__}") from None
        if resp.status_code != 201:
            raise _error(resp)
        return str(_json(resp).get("url", ""))[:500]


def _json(resp: requests.Response) -> dict[str, Any]:
    try:
        body = json.loads(resp.content)
    except ValueError:
        raise ApiError(f"HTTP {resp.status_code}: not JSON", resp.status_code) from None
    if not isinstance(body, dict):
        raise ApiError(f"HTTP {resp.status_code}: not a JSON object", resp.status_code)
    return body
