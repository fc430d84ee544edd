"""Sources: the declarative registry of the open-data files, hand-typed reference facts, and the download."""
