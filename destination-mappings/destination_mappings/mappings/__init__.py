"""The mapping files shipped with destination-mappings (package data: `*.yaml`)."""
