"""A faithful local fake of the Salesforce endpoints the plugin uses (OAuth + PKCE, REST query,
describe, updates, limits, faults, Outbound Messages). Plain HTTP on loopback; no Django.

    from devtools.salesforce_emulator import start_emulator
    sf = start_emulator(port=0, seed="demo")   # sf.base_url, sf.state, sf.stop()
"""

from .server import EmulatorHandle, start_emulator
from .state import DEFAULT_REDIRECT_URI, EmulatorConfig, EmulatorState

__all__ = ["DEFAULT_REDIRECT_URI", "EmulatorConfig", "EmulatorHandle", "EmulatorState",
           "start_emulator"]
