"""REST API v1 (`/api/v1/`): listings for sponsors, monitors and investigators, the central lab's
PK results, the casebook exchange and the reports; described by OpenAPI 3 at `/api/schema/`.

Modules by concept: `permissions` (who may do what), `errors` (one error body for every status),
`throttling`, `schema` (OpenAPI details), `filters` and `serializers` of the listings,
`listings` (the read-only viewsets), `lab_results` (the bulk PK post), `exchange` (casebook and
reports) and `urls`.
"""
