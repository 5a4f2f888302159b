"""Cases: the customer's issue across channels and days."""
