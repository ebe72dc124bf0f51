"""The compiled course catalog (catalog.json) and quiz answer keys (answer_keys.json), as data only.

This package is the catalog layer (template.yaml: CatalogLayer), apart from the code in the shared layer,
so a content change (`make catalog CONTENT=<site>/content`) builds and publishes this layer alone.
hhl.learning.catalog finds the files next to this module; nothing here is code.
"""
