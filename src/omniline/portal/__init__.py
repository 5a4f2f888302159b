"""The self-service portal: public articles, "still need help?", case status, deflection."""
