"""The sequences runtime as a pluggy plugin: it implements the host's trigger hook."""

from host.hookspecs import hookimpl


@hookimpl
def platform_integrations():
    return []  # a runtime, not an integration
