"""Who is calling, and what they may do: logins, API tokens, roles and permissions."""
