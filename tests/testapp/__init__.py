"""A test-only app with rows of a kind `activities` does not know: what volunteers,
attendance and check-ins will hang on stored dates. Installed by config.settings.test."""
