"""The inbound pipeline every channel shares: identity, customer, case, interaction, message."""
