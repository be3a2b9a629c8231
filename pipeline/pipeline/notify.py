"""The run's summary POSTed as JSON to a webhook (a Slack or Teams incoming webhook, or any HTTP endpoint).

The summary holds the run's status, its schema changes and failures, nothing from the configs. A webhook
URL carries its own token, so it is never printed: messages name its host only. A webhook that fails is
reported as a warning; it never changes the run's outcome.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from .run_history import PipelineRun

TIMEOUT_SECONDS = 10


def run_summary(run: PipelineRun, stopped: dict[str, str]) -> dict[str, Any]:
    """A short JSON-ready summary; `text` is what chat webhooks (Slack, Teams) display."""
    changes = run.schema_changes
    breaking = [change for change in changes if change["breaking"]]
    text = (f"pipeline run {run.status}: {run.rows_read:,} rows read, {len(changes)} schema change(s)"
            f"{f', {len(breaking)} breaking' if breaking else ''}")
    if stopped:
        text += f"; not loaded: {', '.join(stopped)}"
    if run.error:
        text += f"; error: {run.error.strip().splitlines()[0][:200]}"
    return {
        "text": text,
        "run_id": run.run_id,
        "status": run.status,
        "started_at": run.started_at.isoformat(),
        "ended_at": run.ended_at.isoformat() if run.ended_at else None,
        "rows_read": run.rows_read,
        "rows_written": run.rows_written,
        "schema_changes": changes,
        "failures": [{"connection": name, "reason": reason} for name, reason in stopped.items()]
                    + ([{"connection": None, "reason": run.error}] if run.error else []),
    }


def post_summary(url: str, summary: dict[str, Any]) -> str:
    """POST the summary; returns a line for the run's output (never the URL itself)."""
    host = urlsplit(url).hostname or "?"
    request = urllib.request.Request(url, data=json.dumps(summary).encode("utf-8"), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return f"webhook: summary sent to {host} (HTTP {response.status})"
    except urllib.error.HTTPError as error:
        return f"warning: the webhook at {host} answered HTTP {error.code}; the summary was not accepted"
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        return f"warning: the webhook at {host} could not be reached ({type(reason).__name__})"
