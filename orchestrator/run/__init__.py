"""A run's lifecycle: backends, the loop's stages, session, rollback, runner, resume."""
