"""Build: spatial joins, the embedded snapshot, the demonstration set, validation and the build pipeline."""
