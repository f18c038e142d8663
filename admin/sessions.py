"""The panel's cookie session: who reads it, and which answers write it.

- Under /api/ it is neither read nor written: a browser's session cookie cannot act on the
  API, and no API answer sets a cookie.
- An answer to a page's own script (fetch: the live totals, a job's progress, a quick dialog)
  writes the cookie only when it changed the session. Re-sending an unchanged permanent
  session, as Flask does on every answer, let a slow background answer put back the cookie
  from before a save that had just been made, and its flashed "Order has been saved" was lost.
  Navigations still renew the cookie, so the idle timeout counts from the last page opened.
"""

from __future__ import annotations

from flask import Flask, Request, Response, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin

from admin.problems import is_api_request


def _is_navigation() -> bool:
    """A page opened or a form sent by the browser itself (browsers without Fetch Metadata
    count as navigations, which renew the cookie as before)."""
    return request.headers.get("Sec-Fetch-Mode", "navigate") == "navigate"


class PanelSessions(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if is_api_request():
            return self.session_class()
        return super().open_session(app, request)

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        return session.modified or (
            session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"] and _is_navigation()
        )

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not is_api_request():
            super().save_session(app, session, response)


def init_sessions(app: Flask) -> None:
    app.session_interface = PanelSessions()
