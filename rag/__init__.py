"""rag: a local, source-grounded news assistant (ingest, ask, brief, evaluate, chat)."""
import os as _os

# Offline means offline: onnxruntime's built-in telemetry (1DS) starts when onnxruntime is imported,
# writes ~/.cache/Microsoft/DeveloperTools/.onnxruntime/ (a device id, queued events) and looks up its
# events host (mobile.events.data.microsoft.com) every few seconds; disable_telemetry_events() does not
# stop it, only this variable, read at import. Set here, before anything can import onnxruntime, so it
# holds for every entry point (CLI, chat, API, bench, tests); rag.backends.embed sets it too.
_os.environ["ORT_DISABLE_TELEMETRY"] = "1"

__version__ = "0.1.0"
