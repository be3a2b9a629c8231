"""Streams that make one request, not a paged list: what `check` reads (a company, a workspace, the current
user) and the lookup of one time entry, where a 404 is an answer (the entry was deleted), not an error.

Each is a mix-in put before a provider's stream class (`class HarvestCompany(OneObject, HarvestStream)`),
so the provider's auth, headers and error handling stay; a provider module names only the path.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, MutableMapping, Optional, Union

import requests
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction

from source_time_tracking.errors import TimeTrackingErrorHandler, config_errors, json_body


class OneRequest:
    """One request, no query parameters and no next page."""

    def request_params(self, **kwargs: Any) -> MutableMapping[str, Any]:
        return {}

    def next_page_token(self, response: requests.Response) -> None:
        return None


class OneObject(OneRequest):
    """One request whose body is the one record."""

    def parse_response(self, response: requests.Response, **kwargs: Any) -> Iterable[Mapping[str, Any]]:
        yield json_body(response)


class DeletedEntryIsAnAnswer(TimeTrackingErrorHandler):
    """A 404 for one time entry means it was deleted (the account answered the list just before, so the
    credentials and the account are right)."""

    def interpret_response(
        self, response_or_exception: Optional[Union[requests.Response, Exception]] = None
    ) -> ErrorResolution:
        if isinstance(response_or_exception, requests.Response) and response_or_exception.status_code == 404:
            return ErrorResolution(ResponseAction.IGNORE, None,
                                   f"{self._provider}: the time entry no longer exists (404)")
        return super().interpret_response(response_or_exception)


class EntryLookup(OneRequest):
    """`GET <entries>/{id}` for the slice's `id`: the entry as sent, or nothing when it was deleted; what a
    provider's `present_ids` reads for each id missing from a re-read window."""

    name = "time_entries"

    def entry_path(self, entry_id: str) -> str:
        """The provider's path of one entry."""
        raise NotImplementedError

    def path(self, stream_slice: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> str:
        return self.entry_path(stream_slice["id"])

    def get_error_handler(self) -> TimeTrackingErrorHandler:
        return DeletedEntryIsAnAnswer(self.logger, self.provider_label, config_errors(self.extra_config_errors),
                                      self.unreachable, self.refusal)

    def parse_response(self, response: requests.Response, **kwargs: Any) -> Iterable[Mapping[str, Any]]:
        if response.status_code != 404:
            yield json_body(response)
