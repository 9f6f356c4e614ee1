"""Slack adapter: a Bolt app mounted at POST /slack/events (issue 6)."""
