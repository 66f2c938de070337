"""``python -m cospace``: the same as the ``cospace`` command."""

import sys

from cospace.entry import main

sys.exit(main())
