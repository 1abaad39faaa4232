"""The LUS workflow: case state per stay, routing of each notification to its receivers through
the outbox, deviations for what goes wrong, and the deadline monitor."""
