"""The web chat channel: a widget on the tenant's site, a public chat API and a visitor socket."""
