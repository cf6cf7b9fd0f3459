"""Readers for public labelled keypoint tables, turned into PoseSeries for tests and benchmarks."""
