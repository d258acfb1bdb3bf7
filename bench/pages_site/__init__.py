"""Settings and URLs of bench/pages.py's server: the product plus the floor view, which
exists only here (never in the product's URLconf)."""
