"""The REST API, /api/v1/ (docs/api.md): the same access helpers (performance.access), write
path (performance.services.values) and workflow (performance.services.workflow) as the pages,
over personal API tokens (accounts.tokens) or the browser's session."""
