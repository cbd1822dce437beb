"""`Assistant`: what a pipeline that asks the model needs — settings, the index, a chat model and the
prompt templates. Data only; the application object (`rag.desk`) builds it, the pipelines read it.
"""
from __future__ import annotations

from dataclasses import dataclass

from rag.core.config import Settings
from rag.core.ports import ChatModel
from rag.core.prompts import Prompts
from rag.retrieval.retrieve import Index


@dataclass
class Assistant:
    settings: Settings
    index: Index
    llm: ChatModel
    prompts: Prompts
