"""The e-mail channel: outbound over SMTP for now (inbound mailboxes and threading follow)."""
