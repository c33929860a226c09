"""Pull-mode routing for contact centres, as a gRPC service."""

# The one place the version is written: the package metadata reads it from here (pyproject.toml).
__version__ = "0.1.0"
