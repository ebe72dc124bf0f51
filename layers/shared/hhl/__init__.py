"""Hedgehog Learn core, shipped as the shared Lambda layer.

Handlers in functions/ are the edges; everything they do is here:
  config       settings read and validated once per container
  http         payload-2.0 request parsing, JSON/redirect responses, cookies, the error envelope
  secret_store JWT_SECRET / HubSpot token: env locally, SSM via the Lambda extension in AWS
  observability Powertools logger and metrics, configured once
  auth/        OIDC login transaction, JWKS cache, token verifier, request authentication
  learning/    course catalog, enrollments, progress, badges
  storage/     DynamoDB access, one module per table
  crm/         HubSpot client and the CRM summary sync
"""
