"""One module per command or feature; each answers a Request with a neutral Reply."""
