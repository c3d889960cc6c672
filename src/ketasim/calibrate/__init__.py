"""Calibration: fit the estimated parameters to the verified published targets, and validate the fit."""
