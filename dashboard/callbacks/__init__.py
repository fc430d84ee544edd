"""Callbacks: the Dash callbacks of the page, thin wrappers around module-level functions of
``(ctx, state, …)`` that tests call without Dash."""
