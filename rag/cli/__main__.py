"""`python -m rag.cli`: the same as the `rag` command (handy from a checkout without the console script)."""
from rag.cli import main

main()
