"""Ingestion without a store: find and read files (load), clean them (clean), split them into
token-bounded chunks (chunk) and fingerprint whole articles to spot republished copies (dedup).

Nothing in this package touches the vector store or an embedding model; `pipeline.py` wires these
steps to the store.
"""
