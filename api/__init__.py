"""The composition root: settings, the FastAPI app, and the ``gridpatrol`` command line."""
