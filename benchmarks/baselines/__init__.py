"""Baselines rendered side by side with the engine, so every report carries an ``ours / baseline`` ratio."""
