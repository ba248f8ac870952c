"""Sign-in, sessions and CSRF for the staff workspace.

* Sessions are signed (itsdangerous), timestamped cookies scoped to ``/staff``:
  HttpOnly, SameSite=Strict, Secure over https, refused after
  ``STAFF_SESSION_HOURS``. The cookie carries the account id, the account's
  session epoch (bumped on sign-out, new password, role change or disabling,
  which ends every session of that account at once) and a random CSRF token.
* Every POST must send that CSRF token back (form field ``csrf`` or header
  ``X-CSRF-Token``); the sign-in form uses a separate signed double-submit cookie.
* Wrong passwords are counted in the database per account and address, so the
  limit holds across workers.
"""

from __future__ import annotations

import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from bot.config import Settings
from bot.storage.staff import StaffAccount, StaffStore

PREFIX = "/staff"
SESSION_COOKIE = "staff_session"
LOGIN_COOKIE = "staff_login"
FLASH_COOKIE = "staff_flash"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
LOGIN_TOKEN_AGE = 2 * 3600
FLASH_AGE = 300


@dataclass(frozen=True)
class StaffSession:
    user: StaffAccount
    csrf: str


@dataclass(frozen=True)
class SessionState:
    session: StaffSession | None
    expired: bool = False


def _same(a: str, b: str) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())


class Auth:
    def __init__(self, settings: Settings) -> None:
        secret = settings.staff_secret()
        self._sessions = URLSafeTimedSerializer(secret, salt="citizen-bot/staff-session")
        self._login = URLSafeTimedSerializer(secret, salt="citizen-bot/staff-login")
        self._flash = URLSafeTimedSerializer(secret, salt="citizen-bot/staff-flash")
        self.max_age = max(60, int(settings.staff_session_hours * 3600))
        self.behind_proxy = settings.staff_behind_proxy

    # --- request facts ----------

    def client_ip(self, request: Request) -> str:
        if self.behind_proxy:
            forwarded = request.headers.get("x-forwarded-for", "")
            hops = [h.strip() for h in forwarded.split(",") if h.strip()]
            if hops:
                return hops[-1][:64]  # the address our own proxy saw
        return (request.client.host if request.client else "unknown")[:64]

    def is_https(self, request: Request) -> bool:
        if self.behind_proxy and request.headers.get("x-forwarded-proto", "") == "https":
            return True
        return request.url.scheme == "https"

    def _cookie(self, response: Response, request: Request, name: str, value: str,
                max_age: int) -> None:
        response.set_cookie(name, value, max_age=max_age, path=PREFIX, httponly=True,
                            samesite="strict", secure=self.is_https(request))

    @staticmethod
    def _drop(response: Response, name: str) -> None:
        response.delete_cookie(name, path=PREFIX, httponly=True, samesite="strict")

    # --- sessions ----------

    def start(self, response: Response, request: Request, user: StaffAccount) -> None:
        payload = {"u": user.id, "e": user.session_epoch, "c": secrets.token_urlsafe(24)}
        self._cookie(response, request, SESSION_COOKIE, self._sessions.dumps(payload),
                     self.max_age)
        self._drop(response, LOGIN_COOKIE)

    def end(self, response: Response) -> None:
        self._drop(response, SESSION_COOKIE)

    async def session(self, request: Request, store: StaffStore) -> SessionState:
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            return SessionState(None)
        try:
            payload = self._sessions.loads(raw, max_age=self.max_age)
        except SignatureExpired:
            return SessionState(None, expired=True)
        except BadSignature:
            return SessionState(None)
        if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
            return SessionState(None)
        user = await store.get(payload["u"])
        if user is None or not user.active or user.session_epoch != payload.get("e"):
            return SessionState(None, expired=user is not None)
        return SessionState(StaffSession(user, str(payload.get("c") or "")))

    @staticmethod
    def csrf_ok(session: StaffSession, request: Request, form: Any | None) -> bool:
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent and form is not None:
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else ""
        return _same(sent, session.csrf)

    # --- sign-in form CSRF (double submit) ---------------------------------------------------

    def login_token(self, request: Request) -> str:
        """The token for the sign-in form; the same random value as the cookie holds."""
        raw = request.cookies.get(LOGIN_COOKIE, "")
        try:
            value = self._login.loads(raw, max_age=LOGIN_TOKEN_AGE) if raw else None
        except BadSignature:
            value = None
        return value if isinstance(value, str) else secrets.token_urlsafe(24)

    def set_login_token(self, response: Response, request: Request, token: str) -> None:
        self._cookie(response, request, LOGIN_COOKIE, self._login.dumps(token),
                     LOGIN_TOKEN_AGE)

    def login_token_ok(self, request: Request, sent: str) -> bool:
        raw = request.cookies.get(LOGIN_COOKIE, "")
        try:
            value = self._login.loads(raw, max_age=LOGIN_TOKEN_AGE) if raw else None
        except BadSignature:
            return False
        return isinstance(value, str) and _same(sent, value)

    # --- one-time messages after a redirect ---------------------------------------------------

    def flash(self, response: Response, request: Request, kind: str, text: str) -> None:
        self._cookie(response, request, FLASH_COOKIE,
                     self._flash.dumps(json.dumps([kind, text[:600]])), FLASH_AGE)

    def clear_flash(self, response: Response) -> None:
        self._drop(response, FLASH_COOKIE)

    def read_flash(self, request: Request) -> tuple[str, str] | None:
        raw = request.cookies.get(FLASH_COOKIE)
        if not raw:
            return None
        try:
            kind, text = json.loads(self._flash.loads(raw, max_age=FLASH_AGE))
        except (BadSignature, ValueError, TypeError):
            return None
        return str(kind), str(text)
