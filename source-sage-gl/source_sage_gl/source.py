"""SourceSageGl: spec, check, discover and read of the Sage Intacct general ledger."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any, Iterator, List, Mapping, Optional, Tuple

from airbyte_cdk.models import AirbyteMessage, AirbyteStateMessage, ConfiguredAirbyteCatalog
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_sage_gl.cdk_logs import quiet_cdk_logs
from source_sage_gl.client import IntacctClient
from source_sage_gl.config_check import (PlainCheckMessage, invalid_config, unknown_key_problems,
                                         unknown_stream_problems)
from source_sage_gl.config import IntacctConfig
from source_sage_gl.streams import STREAM_NAMES, STREAMS


class SourceSageGl(PlainCheckMessage, AbstractSource):
    def __init__(self):
        super().__init__()
        quiet_cdk_logs(self.name)
        self._read_client: Optional[IntacctClient] = None  # the client of the read under way
        self._client: Optional[IntacctClient] = None  # the client of the last `streams()`: one session per run

    def check_connection(self, logger: logging.Logger, config: Mapping[str, Any]) -> Tuple[bool, Optional[Any]]:
        """Sign in with `getAPISession` and read one GL account; any refusal becomes a FAILED status with Intacct's text.
        An unknown key fails first, without a request: a typo must not silently fall back to a default."""
        unknown = unknown_key_problems(config, self.spec(logger).connectionSpecification)
        if unknown:
            return False, invalid_config(unknown).message
        try:
            IntacctClient(IntacctConfig.from_mapping(config), logger, retry_unreachable=False).check()
        except AirbyteTracedException as error:
            return False, error.message
        return True, None

    def read(self, logger: logging.Logger, config: Mapping[str, Any], catalog: ConfiguredAirbyteCatalog,
             state: Optional[List[AirbyteStateMessage]] = None) -> Iterator[AirbyteMessage]:
        """Reads the user's formats once before any stream, so that a format the connector cannot read ends
        the sync with one config error, not one per stream; the streams then share that client. Before any
        request: unknown config keys are warned about, and a catalog naming a stream this source lacks ends the run."""
        for problem in unknown_key_problems(config, self.spec(logger).connectionSpecification):
            logger.warning(problem)
        unknown_streams = unknown_stream_problems([configured.stream.name for configured in catalog.streams],
                                                  list(STREAM_NAMES))
        if unknown_streams:
            raise invalid_config(unknown_streams, what="catalog")
        client = IntacctClient(IntacctConfig.from_mapping(config), logger)
        client.clock  # noqa: B018 - signs in and reads readUserFormatting now, before any stream
        self._read_client = client
        try:
            yield from super().read(logger, config, catalog, state)
        finally:
            self._read_client = None

    @property
    def stop_sync_on_stream_failure(self) -> bool:
        """Stop the whole sync once Intacct has refused a sign-in: every later stream would need one too."""
        return self._client is not None and self._client.auth.refusal is not None

    def streams(self, config: Mapping[str, Any]) -> List[Stream]:
        """Sign in first: a refused sign-in ends discover or read once, with one config_error, before any stream."""
        intacct_config = IntacctConfig.from_mapping(config)
        client = self._client = self._read_client or IntacctClient(intacct_config, logging.getLogger("airbyte"))
        client.sign_in()
        # Frozen once per sync: the upper bound of every stream's window (rows written later go to the next sync).
        sync_started_at = datetime.now(timezone.utc).replace(microsecond=0)
        return [stream(client, intacct_config, sync_started_at) for stream in STREAMS]
