"""Performance measurements; run with `make bench`, never by the test suite."""
