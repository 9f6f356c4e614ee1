"""Platform-neutral helpers shared by the Slack and Discord adapters (text, tables, limits)."""
