"""Per-sample loss, accumulate, metrics: the loss functions, the registry, the plan, sums
and metric states."""
