"""SourceTimeTracking: picks the provider's streams from the config and proves the config in `check`."""

from __future__ import annotations

import logging
from typing import Any, List, Mapping, Optional, Tuple

from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_time_tracking import generic, harvest
from source_time_tracking.config import GenericProvider, TimeTrackingConfig, parse_config
from source_time_tracking.deletions import DeletedTimeEntries


class SourceTimeTracking(AbstractSource):
    def check_connection(self, logger: logging.Logger, config: Mapping[str, Any]) -> Tuple[bool, Optional[Any]]:
        try:
            parsed = parse_config(config)
            provider = parsed.provider
            if isinstance(provider, GenericProvider):
                entries = generic.check(provider)
                logger.info(f"Generic time API answered; first page holds {entries} entry(ies)")
            else:
                company = harvest.check(provider)
                logger.info(f"Harvest answered for company {company!r}")
        except AirbyteTracedException as error:
            return False, error.message
        return True, None

    def streams(self, config: Mapping[str, Any]) -> List[Stream]:
        parsed = parse_config(config)
        provider = parsed.provider
        if isinstance(provider, GenericProvider):
            entries: list[Stream] = [generic.GenericTimeEntries(provider, parsed.start_date)]
        else:
            entries = harvest.streams(provider, parsed.start_date)
        return [*entries, self._deleted_time_entries(parsed)]

    @staticmethod
    def _deleted_time_entries(parsed: TimeTrackingConfig) -> DeletedTimeEntries:
        provider = parsed.provider
        if isinstance(provider, GenericProvider):
            probe = generic.GenericTimeEntries(provider, parsed.start_date)
            id_field = provider.primary_key
        else:
            probe = harvest.HarvestTimeEntries(provider, parsed.start_date)
            id_field = "id"
        return DeletedTimeEntries(probe, probe.work_date_field, id_field, parsed.deletion_window_days)
