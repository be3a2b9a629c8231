"""SourceTimeTracking: the configured provider (from `providers.PROVIDERS`) gives the streams and the check."""

from __future__ import annotations

import copy
import logging
import pkgutil
from functools import cache
from typing import Any, Iterator, List, Mapping, Optional, Tuple

import yaml
from airbyte_cdk.models import (AirbyteMessage, AirbyteStateMessage, ConfiguredAirbyteCatalog,
                                ConnectorSpecification, ConnectorSpecificationSerializer)
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_time_tracking.cdk_logs import quiet_cdk_logs
from source_time_tracking.config_check import (PlainCheckMessage, invalid_config, unknown_key_problems,
                                               unknown_stream_problems)
from source_time_tracking.connector_config import parse_config
from source_time_tracking.deletions import DeletedTimeEntries
from source_time_tracking.streams import TimeTrackingStream


class SourceTimeTracking(PlainCheckMessage, AbstractSource):
    def __init__(self) -> None:
        super().__init__()
        quiet_cdk_logs(self.name)
        self._streams: list[TimeTrackingStream | DeletedTimeEntries] = []  # those of the last `streams()`

    def spec(self, logger: logging.Logger) -> ConnectorSpecification:
        """`spec.yaml`, as the CDK's own `spec` reads it, parsed once per process: a read asks for it three times
        before its first request (the config checks, the CDK's), and PyYAML's Python parser takes ~20 ms a time."""
        return ConnectorSpecificationSerializer.load(copy.deepcopy(_spec_document()))

    @property
    def stop_sync_on_stream_failure(self) -> bool:
        """Stop the whole sync once a stream met refused credentials or gave up on an unreachable host: every
        later stream would meet it too."""
        return any(stream.ends_the_run() for stream in self._streams)

    def check_connection(self, logger: logging.Logger, config: Mapping[str, Any]) -> Tuple[bool, Optional[Any]]:
        """An unknown key fails first, without a request: a typo must not silently fall back to a default."""
        unknown = unknown_key_problems(config, self.spec(logger).connectionSpecification)
        if unknown:
            return False, invalid_config(unknown).message
        try:
            parsed = parse_config(config)
            logger.info(parsed.registered_provider.check(parsed.provider))
        except AirbyteTracedException as error:
            return False, error.message
        return True, None

    def read(self, logger: logging.Logger, config: Mapping[str, Any], catalog: ConfiguredAirbyteCatalog,
             state: Optional[List[AirbyteStateMessage]] = None) -> Iterator[AirbyteMessage]:
        """Before any request: unknown config keys are warned about, and a catalog naming a stream this
        provider lacks ends the run."""
        for problem in unknown_key_problems(config, self.spec(logger).connectionSpecification):
            logger.warning(problem)
        unknown_streams = unknown_stream_problems([configured.stream.name for configured in catalog.streams],
                                                  [stream.name for stream in self.streams(config)])
        if unknown_streams:
            raise invalid_config(unknown_streams, what="catalog")
        yield from super().read(logger, config, catalog, state)

    def streams(self, config: Mapping[str, Any]) -> List[Stream]:
        parsed = parse_config(config)
        provider = parsed.registered_provider
        self._streams = [
            *provider.streams(parsed.provider, parsed.start_date),
            provider.deleted_time_entries(parsed.provider, parsed.start_date, parsed.deletion_window_days),
        ]
        return list(self._streams)


@cache
def _spec_document() -> dict[str, Any]:
    """The parsed `spec.yaml` (libyaml's parser when PyYAML has it: the same document, ten times faster)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(pkgutil.get_data("source_time_tracking", "spec.yaml"), Loader=loader)
