"""The registry of time-tracking providers: one line per provider, keyed by its `provider_type`.

Everything provider-specific outside the provider's own module is found from here: the config's union
(`connector_config`), the streams and check (`source`), the pipeline's `time_<name>` connections.
"""

from __future__ import annotations

from source_time_tracking.clockify import Clockify
from source_time_tracking.generic import GenericTimeApi
from source_time_tracking.harvest import Harvest
from source_time_tracking.provider import Provider
from source_time_tracking.quickbooks_time import QuickBooksTime
from source_time_tracking.toggl import Toggl

PROVIDERS: dict[str, Provider] = {
    provider.name: provider
    for provider in (
        GenericTimeApi(),
        Harvest(),
        Clockify(),
        QuickBooksTime(),
        Toggl(),
    )
}
