"""Shared foundations every layer may import: typed settings and the error hierarchy.

Nothing here imports any other package of the project, so `knowledge/`, `tools/`,
`assistant/` and `deploy/` can all depend on it without breaking the layering.
"""
