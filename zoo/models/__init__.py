"""One file per variant; importing this package registers them all."""

from zoo.models import dcgan, gan  # noqa: F401
