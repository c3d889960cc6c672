"""Benchmarks: ketasim's engine against peers on the same model and virtual patients."""
