"""Engines: where chunks are scored (local, batch, Dask), always by the local per-chunk loop."""
