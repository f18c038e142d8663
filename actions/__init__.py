"""Domain operations: plain Python and SQLAlchemy, no Flask, so every rule is testable alone."""
