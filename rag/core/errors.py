"""The error tree. Every message is written for a user; front ends print it as one line."""
from __future__ import annotations


class RagError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigError(RagError):
    """A setting, flag or config file is invalid."""


class ModelError(RagError):
    """A model preset is unknown, missing, corrupt or failed to load."""


class UnknownModelError(ModelError):
    pass


class ModelNotPulledError(ModelError):
    pass


class ChecksumError(ModelError):
    pass


class StoreError(RagError):
    """The vector store or the lexical index failed."""


class EmptyIndexError(RagError):
    """Nothing is ingested yet."""


class SkipFile(RagError):
    """A file cannot be ingested; the message is the one-line reason."""


class QuestionError(RagError):
    """A question is empty or unusable."""


class LLMError(RagError):
    """Generation failed (in-process model or remote server)."""


class Stopped(RagError):
    """The user stopped a generation (the chat's Stop button, Esc or the /stop endpoint)."""


class EvalFileError(RagError):
    """A question file is malformed."""


class UnknownSourceError(RagError):
    """A doc id the user named is not in the index."""


class DateError(ConfigError):
    """A date the user gave cannot be read."""


class NothingNewError(RagError):
    """No article is dated on or after the date asked for."""
