"""Request models, each declared once: they validate a body, answering every problem at once in
`error.fields`, hand back the clean values, and describe themselves in /openapi.json."""
