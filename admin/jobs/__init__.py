"""Long work as jobs: the queue (Huey), the worker's runner, and System > Jobs."""
