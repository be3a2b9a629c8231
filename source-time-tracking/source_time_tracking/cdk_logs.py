"""The CDK's own log lines, made to say what happened and kept out of INFO when they are noise.

The CDK logs, through public loggers, lines a person cannot use at INFO: "MemoryMonitor instantiated …"
(`airbyte_cdk.utils.memory_monitor`), a "<source> runtimes:" block after every stream that repeats every
earlier stream (`AbstractSource.read`), and "Setting state of <stream> stream to <state>" with the whole
state (a deletion window's id blobs), and at the end of a read whose streams failed "During the sync, the
following streams did not sync successfully: …" with the repr of each stream's internal error (each stream's
error trace says it already); and the `backoff` library's "Backing off _send(...) for 1.0s (…)", which
repeats the CDK's own "Caught retryable error '<reason>' … Waiting 1 seconds then retrying...". These become
DEBUG lines: shown with `--debug`, dropped otherwise.
Its retry line for a wait the connector chose reads "UserDefinedBackoffException: Rate limit exceeded (HTTP
503). Retrying in 3 seconds." whatever the cause; it is rewritten to the connector's own reason (the error
handler's message, carried by the exception being handled) and says "rate limit" only for an HTTP 429.
A stream that failed is logged as "Encountered an exception while reading stream <name>" with a Python
traceback; the line stays, the traceback goes (the stream's error trace carries it in `stack_trace`).

A `logging.Filter` on the loggers these lines come from ("airbyte", the source's "airbyte.<name>" and
"backoff") does both.
This module is the same in source-sage-gl and source-time-tracking (each connector is built on its own).
"""

from __future__ import annotations

import logging
import re
import sys

from airbyte_cdk.sources.streams.http.exceptions import UserDefinedBackoffException

NOISE = re.compile(r"^(MemoryMonitor instantiated |Setting state of .* stream to |\S+ runtimes:\n|"
                   r"Backing off \S+\(\.\.\.\) for |During the sync, the following streams did not sync )", re.DOTALL)
STREAM_FAILED = "Encountered an exception while reading stream "
CDK_RETRY = re.compile(r"^UserDefinedBackoffException: Rate limit exceeded(?: \(HTTP (\d+)\))?\. "
                       r"Retrying in ([\d.]+) seconds\.$")


class CdkLogLines(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if NOISE.match(text):
            if record.levelno > logging.DEBUG:
                record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        if text.startswith(STREAM_FAILED):
            record.exc_info, record.exc_text = None, None  # the stream's error trace follows, with its stack trace
        retry = CDK_RETRY.match(text)
        if retry:
            record.msg, record.args = self._retry_line(retry.group(1), retry.group(2)), ()
        return True

    @staticmethod
    def _retry_line(status: str | None, seconds: str) -> str:
        """The handler's reason for the retry (the CDK logs this line while handling its exception)."""
        error = sys.exc_info()[1]
        reason = str(error) if isinstance(error, UserDefinedBackoffException) and str(error) else None
        if reason is None:
            reason = "Rate limited (HTTP 429)" if status == "429" else f"HTTP {status}" if status else "Request failed"
        return f"{reason.rstrip('.')}. Retrying in {float(seconds):g} seconds."


def quiet_cdk_logs(source_name: str) -> None:
    """Put the filter on the CDK's loggers (once per process)."""
    for name in ("airbyte", f"airbyte.{source_name}", "backoff"):
        logger = logging.getLogger(name)
        if not any(isinstance(existing, CdkLogLines) for existing in logger.filters):
            logger.addFilter(CdkLogLines())
