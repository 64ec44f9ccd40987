"""Core plugins: the interface, the loader and the bundled SQL plugin."""
