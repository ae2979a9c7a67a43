"""``python -m ops.channels``: see :mod:`ops.channels.cli`."""

import sys

from ops.channels.cli import main

sys.exit(main())
