"""The product's settings, with the bench's URLconf."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.pages_site.urls"
