"""Running the source in-process the way the platform does."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

from airbyte_cdk.models import AirbyteStateMessage, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read
from airbyte_cdk.test.state_builder import StateBuilder

from source_sage_gl import SourceSageGl


def read_streams(config: Mapping[str, Any], streams: List[str], sync_mode: SyncMode = SyncMode.full_refresh,
                 state: Optional[Dict[str, Dict[str, Any]]] = None, expecting_exception: bool = False) -> EntrypointOutput:
    catalog = CatalogBuilder()
    for name in streams:
        catalog.with_stream(name, sync_mode)
    state_messages: Optional[List[AirbyteStateMessage]] = None
    if state:
        builder = StateBuilder()
        for name, value in state.items():
            builder.with_stream_state(name, value)
        state_messages = builder.build()
    return read(SourceSageGl(), dict(config), catalog.build(), state_messages, expecting_exception=expecting_exception)


def records_of(output: EntrypointOutput, stream: str) -> List[Dict[str, Any]]:
    return [message.record.data for message in output.records if message.record.stream == stream]


def states_of(output: EntrypointOutput, stream: str) -> List[Dict[str, Any]]:
    return [dict(message.state.stream.stream_state.__dict__) for message in output.state_messages
            if message.state.stream.stream_descriptor.name == stream]


def message_kinds(output: EntrypointOutput, stream: str) -> List[str]:
    """RECORD / STATE in the order emitted for one stream."""
    kinds = []
    for message in output.records_and_state_messages:
        if message.type.name == "RECORD" and message.record.stream == stream:
            kinds.append("RECORD")
        elif message.type.name == "STATE" and message.state.stream.stream_descriptor.name == stream:
            kinds.append("STATE")
    return kinds
