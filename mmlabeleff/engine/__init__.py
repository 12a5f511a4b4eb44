"""Training-time extensions of mmlabeleff: hooks and loops."""
