"""Pieces both image daemons use: JSON requests and responses, routing, auth."""
