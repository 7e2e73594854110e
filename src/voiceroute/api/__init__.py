"""The HTTP API: app factory, dependencies, error mapping, one router per resource."""
