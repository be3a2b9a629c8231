"""API sessions: what `getAPISession` hands out and what `<sessionid>` authenticates with.

A session lives until its timeout (the `sessiontimeout` every response reports) or until the
`expired_session` fault makes every existing session invalid at once.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_TIMEOUT = timedelta(hours=1)


@dataclass(frozen=True)
class Session:
    sessionid: str
    userid: str
    companyid: str
    locationid: str  # "" for a top-level session, else the entity ID
    started: datetime  # aware UTC
    expires: datetime  # aware UTC


class Sessions:
    """The open sessions (thread-safe: the server answers requests on many threads)."""

    def __init__(self, timeout: timedelta = DEFAULT_TIMEOUT):
        self.timeout = timeout
        self._lock = threading.Lock()
        self._open: dict[str, Session] = {}

    def open(self, userid: str, companyid: str, locationid: str, now: datetime) -> Session:
        # Real session IDs are long URL-safe tokens ending in "..", e.g. "afntE0rl…Gvl..".
        session = Session(secrets.token_urlsafe(42) + "..", userid, companyid, locationid, now, now + self.timeout)
        with self._lock:
            self._open = {key: value for key, value in self._open.items() if value.expires > now}
            self._open[session.sessionid] = session
        return session

    def get(self, sessionid: str, now: datetime) -> Session | None:
        """The session, or None when it is unknown or has expired."""
        with self._lock:
            session = self._open.get(sessionid)
            if session is not None and session.expires <= now:
                del self._open[sessionid]
                return None
            return session

    def expire_all(self) -> None:
        with self._lock:
            self._open.clear()
