"""NLU signal components (Rasa GraphComponents): confidence, out-of-scope, frustration, intake."""
