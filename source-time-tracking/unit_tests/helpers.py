"""Running the source in-process the way the platform does."""

from __future__ import annotations

from typing import Any, Optional

from airbyte_cdk.models import ConfiguredAirbyteCatalog, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read
from airbyte_cdk.test.state_builder import StateBuilder

from source_time_tracking import SourceTimeTracking


def catalog(stream: str, sync_mode: SyncMode = SyncMode.full_refresh) -> ConfiguredAirbyteCatalog:
    return CatalogBuilder().with_stream(stream, sync_mode).build()


def read_stream(
    config: dict[str, Any],
    stream: str,
    sync_mode: SyncMode = SyncMode.full_refresh,
    state: Optional[dict[str, Any]] = None,
    expecting_exception: bool = False,
) -> EntrypointOutput:
    state_messages = StateBuilder().with_stream_state(stream, state).build() if state is not None else None
    return read(SourceTimeTracking(), config, catalog(stream, sync_mode), state_messages,
                expecting_exception=expecting_exception)


def stream_state(output: EntrypointOutput) -> dict[str, Any]:
    """The last STATE of the read, as a plain dict."""
    return dict(output.most_recent_state.stream_state.__dict__)


def record_data(output: EntrypointOutput) -> list[dict[str, Any]]:
    return [message.record.data for message in output.records]
