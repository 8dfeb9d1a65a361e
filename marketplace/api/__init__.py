"""JSON API v1 under /api/v1: token authentication, problem+json errors, an OpenAPI 3 document
generated from the request and response models (flask-openapi3), Swagger UI at /api/v1/swagger.
The operations (candidates, events, imports, needs, startups) are registered by marketplace.app."""
