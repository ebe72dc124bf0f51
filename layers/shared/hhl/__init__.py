"""Hedgehog Learn core, shipped as the shared Lambda layer.

Handlers in functions/ are the edges; everything they do is here:
  config       settings read and validated once per container
  http         payload-2.0 request parsing, JSON/redirect responses, cookies, the error envelope
  secret_store secrets through the Parameters and Secrets extension, on first use in a request
  observability Powertools logger and metrics, configured once
  auth/        OIDC login transaction, JWKS cache, token verifier, request authentication
  learning/    course catalog, enrollments, progress, badges
  storage/     DynamoDB access, one module per table
  crm/         HubSpot client and the CRM summary sync
"""
