"""Privacy: personal data kept out of the logs (``log_masking``)."""
