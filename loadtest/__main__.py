"""``python -m loadtest``: see ``loadtest.run``."""

import sys

from loadtest.run import main

sys.exit(main())
