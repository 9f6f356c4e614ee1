"""The NumPy RNN lab: cells, traces, the forgetting analysis, exercise levels, plots, renderings."""
