"""Closed Won webhooks: secrets, payload parsing (Outbound Message SOAP or Flow/Apex JSON), the view."""
