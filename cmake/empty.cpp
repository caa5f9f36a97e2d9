// Intentionally empty: a target needs at least one source file.
