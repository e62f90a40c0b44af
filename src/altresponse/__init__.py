"""altresponse: send each 911 call to the right responder."""

__version__ = "0.1.0"
