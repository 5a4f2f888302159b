"""The API channel: web forms, mobile apps and any system post contacts over HTTP."""
