"""People who work in Omniline and their memberships in tenants."""
