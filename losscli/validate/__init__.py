"""Validate: column roles, --id-col alignment, task inference, targets and value checks
(Raw -> Prepared)."""
