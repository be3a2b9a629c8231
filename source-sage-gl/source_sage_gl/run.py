"""Console-script entry point (`source-sage-gl`)."""

import sys

from airbyte_cdk.entrypoint import launch

from source_sage_gl.source import SourceSageGl


def run() -> None:
    launch(SourceSageGl(), sys.argv[1:])
