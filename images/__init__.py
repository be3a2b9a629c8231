"""Build and run the connectors' OCI images: Docker when an engine answers, else buildah on a local base."""
