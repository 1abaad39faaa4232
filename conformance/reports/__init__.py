"""Renders script results as TestReport JSON, JUnit XML and a self-contained HTML page."""
