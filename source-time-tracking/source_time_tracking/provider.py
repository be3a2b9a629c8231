"""What a time-tracking provider gives the connector; `providers.PROVIDERS` registers one of each kind.

`SourceTimeTracking` knows no provider by name: it finds the configured one in the registry by its
`provider_type` and asks it for the check, the streams and the `deleted_time_entries` stream. A provider
is a stateless object; every method takes the provider's parsed config (an instance of `config_model`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any, ClassVar, Iterator, Mapping, Optional, Union, get_args, get_origin

from pydantic import BaseModel, SecretStr

from source_time_tracking.deletions import DeletedTimeEntries
from source_time_tracking.masking import url_credentials
from source_time_tracking.streams import TimeTrackingStream

class Provider(ABC):
    """One time-tracking API. `name` is its `provider_type` (the config's discriminator, the pipeline's
    `time_<name>` connection); `config_model` is the pydantic model of its spec.yaml branch, and the
    `config` every method takes is an instance of it. `time_entries_stream` and `list_streams` are its
    stream classes, each built from `(config, start_date)`."""

    name: ClassVar[str]
    config_model: ClassVar[type[BaseModel]]
    time_entries_stream: ClassVar[type[TimeTrackingStream]]
    list_streams: ClassVar[tuple[type[TimeTrackingStream], ...]] = ()  # the lists labour cost needs

    @abstractmethod
    def check(self, config: Any) -> str:
        """A real request proving the credentials; returns the line `check` logs. A failure raises an
        AirbyteTracedException (config_error for bad credentials) whose message the check reports."""

    def streams(self, config: Any, start_date: Optional[datetime]) -> list[TimeTrackingStream]:
        """The provider's streams: `time_entries`, then its lists (`deleted_time_entries` comes from below)."""
        return [self.time_entries(config, start_date), *(stream(config, start_date) for stream in self.list_streams)]

    def time_entries(self, config: Any, start_date: Optional[datetime]) -> TimeTrackingStream:
        """A new `time_entries` stream of its own, which `deleted_time_entries` re-reads its window with:
        it must read a `{"work_date_from", "work_date_to"}` slice as that window of work dates."""
        return self.time_entries_stream(config, start_date)

    def entry_id_field(self, config: Any) -> str:
        """The field of a time entry that identifies it (what a tombstone's `id` holds)."""
        return "id"

    def deleted_time_entries(
        self, config: Any, start_date: Optional[datetime], window_days: int
    ) -> TimeTrackingStream | DeletedTimeEntries:
        """Tombstones found by re-reading the last `window_days` of work dates (see `deletions`). A provider
        whose API lists deleted entries overrides this with a `TimeTrackingStream` of that list, named
        `deleted_time_entries`, whose records have `id`, `work_date` and `deleted_at`."""
        probe = self.time_entries(config, start_date)
        return DeletedTimeEntries(probe, probe.work_date_field, self.entry_id_field(config), window_days)

    def secrets(self, raw_provider: Mapping[str, Any]) -> list[str]:
        """The secret values of a raw (unvalidated) provider config, masked in every log before it is parsed:
        each `SecretStr` field of `config_model` and the password of a URL's user-info. A provider that
        sends a secret in another encoding (a basic-auth header) adds it here."""
        values = [value for path in secret_paths(self.config_model) if isinstance(value := _at(raw_provider, path), str)]
        base_url = raw_provider.get("base_url")
        return values + (url_credentials(base_url) if isinstance(base_url, str) else [])


def secret_paths(model: type[BaseModel]) -> list[tuple[str, ...]]:
    """The paths of the `SecretStr` fields of a config model, through nested models and unions of them:
    the fields spec.yaml must mark `airbyte_secret`."""
    paths: list[tuple[str, ...]] = []
    for name, field in model.model_fields.items():
        for kind in _kinds(field.annotation):
            if kind is SecretStr:
                paths.append((name,))
            elif isinstance(kind, type) and issubclass(kind, BaseModel):
                paths += [(name, *inner) for inner in secret_paths(kind) if (name, *inner) not in paths]
    return paths


def _kinds(annotation: Any) -> Iterator[Any]:
    """The types an annotation allows (`Optional[X]`, `Union[A, B]` and `Annotated[...]` unwrapped)."""
    if get_origin(annotation) is Union:
        for argument in get_args(annotation):
            yield from _kinds(argument)
    else:
        yield annotation


def _at(raw: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(raw, Mapping):
            return None
        raw = raw.get(key)
    return raw
