"""The tutor: one agent loop with a pluggable brain, pedagogy, sessions and progress, reply rendering."""
