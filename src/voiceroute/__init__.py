"""voiceroute: self-hostable intelligent voice routing.

The package is laid out by architecture: ``api`` and ``cli`` call ``services``; ``services``
use storage (``db``, ``models``), ``security``, ``routing`` and ``sip``; nothing imports ``api``.
"""

__version__ = "0.1.0"
