"""Service functions shared by the CLI and the HTTP routers."""
