"""Report: the report model, gates (checks, baseline) and renderers."""
