"""Read: one reader per source, code normalisation, the laureates loader."""
