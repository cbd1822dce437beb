"""rag: a local, source-grounded news assistant (ingest, ask, brief, evaluate, chat)."""

__version__ = "0.1.0"
