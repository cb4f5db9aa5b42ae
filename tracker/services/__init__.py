"""Use cases shared by the views, the CLI, the API and the scheduler."""
