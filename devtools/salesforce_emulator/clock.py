"""A controllable UTC clock (freeze / advance) plus Salesforce date-time formatting."""

import threading
import time
from datetime import UTC, date, datetime, timedelta


class Clock:
    """Real time plus an offset, or a frozen instant. ``now()`` has whole-second precision."""

    def __init__(self):
        self._lock = threading.Lock()
        self._frozen: float | None = None
        self._offset = 0.0

    def timestamp(self) -> float:
        with self._lock:
            return self._frozen if self._frozen is not None else time.time() + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(int(self.timestamp()), UTC)

    def freeze(self, at: datetime | None = None) -> None:
        with self._lock:
            current = self._frozen if self._frozen is not None else time.time() + self._offset
            self._frozen = at.timestamp() if at is not None else current

    def unfreeze(self) -> None:
        with self._lock:
            if self._frozen is not None:
                self._offset = self._frozen - time.time()
            self._frozen = None

    def reset(self) -> None:
        """Back to real time."""
        with self._lock:
            self._frozen, self._offset = None, 0.0

    def advance(self, seconds: float) -> None:
        with self._lock:
            if self._frozen is not None:
                self._frozen += seconds
            else:
                self._offset += seconds

    def describe(self) -> dict:
        return {"now": fmt_rest(self.now()), "frozen": self._frozen is not None}


def fmt_rest(value: datetime) -> str:
    """REST form: ``2024-05-09T03:04:32.000+0000``."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def fmt_soap(value: datetime) -> str:
    """Outbound-message form: ``2024-05-09T03:04:32.000Z``."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def parse_datetime(text: str) -> datetime:
    """Parse ISO-8601 date-times with ``Z``, ``+00:00`` or ``+0000`` offsets (naive = UTC)."""
    text = text.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    elif len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit() and "T" in text:
        text = text[:-2] + ":" + text[-2:]
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_date(text: str) -> date:
    return date.fromisoformat(text.strip())


def days_ago(now: datetime, days: float) -> datetime:
    return (now - timedelta(days=days)).replace(microsecond=0)
