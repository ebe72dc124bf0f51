"""Hedgehog Learn core, shipped as the shared Lambda layer.

Handlers in functions/ are the edges; everything they do is here. Imports point down this list:
  auth/, crm/     sign-in, tokens, request authentication; HubSpot client and the CRM sync
  http            payload-2.0 parsing, responses, the error envelope: the one place errors become statuses
  secret_store    secrets through the Parameters and Secrets extension, on first use in a request
  learning/       catalog, validation, enrollments, progress, badges; raises learning.errors
  storage/        DynamoDB access, one module per table; raises storage.errors
  observability   Powertools logger and metrics, configured once
  config, deadline, timestamps   settings, the invocation's deadline, the one timestamp format
"""
