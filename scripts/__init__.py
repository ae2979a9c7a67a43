"""Scripts run by hand: building committed artefacts from data sets outside the repo."""
