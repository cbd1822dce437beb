"""One home for text handling: sentences, words, citation markers and token budgets.

Used alike by ingest (chunking, cleaning), verification, digests and briefs. Standard library only;
imports nothing of ours.
"""
