"""Pure numerical models: no I/O, no HTTP, no CLI."""
