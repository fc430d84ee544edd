"""Web: the app factory, routes, response headers, security checks, cache and error pages."""
