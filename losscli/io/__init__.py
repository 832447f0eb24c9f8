"""Read: inputs of every format as chunks of named columns (Table); per-sample writers
and atomic files."""
