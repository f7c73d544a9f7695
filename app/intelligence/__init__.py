"""The host's intelligence board (the QASIG view of every provider in its area) and
intelligence recorded before any case exists."""
