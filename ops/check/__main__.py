"""``python -m ops.check``: see :mod:`ops.check.cli`."""

import sys

from ops.check.cli import main

sys.exit(main())
