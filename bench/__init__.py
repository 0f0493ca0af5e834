"""Benchmarks, run by `make bench`. Each prints its figures as ratios to a floor measured in the
same run, so the numbers mean the same on a fast and a slow machine. Nothing here is a test."""
