"""The LUS conformance suite: TestScript engine and suites."""
