"""The NumPy RNN lab: cells, traces, the forgetting analysis, exercises, plots, LangChain tools."""
