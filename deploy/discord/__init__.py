"""Discord adapter: the signed interactions endpoint POST /discord/interactions (issue 6)."""
