"""How learners reach the tutor: the HTTP app, widget, Slack and Discord adapters, the CLI."""
