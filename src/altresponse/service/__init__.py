"""The FastAPI service: triage, referrals, directory, protocol and statistics, with roles.

`create_app(settings)` builds the app; `altresponse serve` runs it under uvicorn.
"""

from altresponse.service.app import create_app

__all__ = ["create_app"]
