"""The population engine: exact linear PK, exponential steps for the cascade, Radau for the synapses."""
