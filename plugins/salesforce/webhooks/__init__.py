"""Closed Won webhooks, Salesforce's part: verify (secret or signed JSON) and parse (Outbound
Message SOAP or Flow/Apex JSON) for the host's ingress, and interpreting stored events."""
