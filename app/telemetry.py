"""FastAPI's own OpenTelemetry hooks, all off (Settings.opentelemetry): deciding per request
that no provider is configured costs more than the request's routing.

A module of its own so that the bench's bare floor app (bench/floor_app.py) and peers can use
the same setting without importing the service and its start-up cost.
"""

from fastapi.telemetry import TelemetryConfig

TELEMETRY_OFF: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}
