"""Routing: which organizations receive a notification, and at which endpoint."""
