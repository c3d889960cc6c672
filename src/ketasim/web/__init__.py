"""The clinic app: FastAPI app factory, REST API, server-rendered pages and static files."""
