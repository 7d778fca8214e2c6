"""The service's HTTP routes, one module per resource; `common` holds what they share
(authentication, the state of the app, JSON and conditional responses)."""
