"""`python -m bookforge`."""

import sys

from .cli import main

sys.exit(main())
