"""Image API v2: routes, controllers, schemas and JSON patch."""
